"""Generate the bundled example deck (and, on request, benchmark decks).

python examples/make_decks.py                      # examples/nr10-seguranca-eletrica.pptx
python examples/make_decks.py --benchmark 10 50    # also bench-10.pptx and bench-50.pptx
"""

from __future__ import annotations

import argparse
from pathlib import Path

from estudio.deck.samples import make_benchmark_deck, make_example_deck

HERE = Path(__file__).resolve().parent
EXAMPLE = "nr10-seguranca-eletrica.pptx"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: here)")
    parser.add_argument(
        "--benchmark",
        type=int,
        nargs="*",
        default=[],
        metavar="SLIDES",
        help="also write bench-<SLIDES>.pptx for each count",
    )
    parser.add_argument("--seconds-per-slide", type=float, default=6.0)
    args = parser.parse_args(argv)
    written = [make_example_deck(args.out / EXAMPLE)]
    for slides in args.benchmark:
        written.append(
            make_benchmark_deck(args.out / f"bench-{slides}.pptx", slides, args.seconds_per_slide)
        )
    for path in written:
        print(f"{path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
