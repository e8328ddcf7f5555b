"""Parse every corpus deck and print what happened: one row per deck, then a tally by result.

    python tests/corpus/tally.py [DECKS_DIR ...]

Default folder: the shared corpus beside the project (``../shared/corpus/decks``); add
``../shared/corpus/legacy`` for the .ppt/.odp/.pptm files (converted with LibreOffice). Every deck
format is read (``read_deck``); "steps" counts the click-build steps found. Anything but a scene
list or a ``DeckError`` is a bug and is tallied as ``BUG <exception>``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from estudio.deck.inputs import read_deck
from estudio.errors import DeckError, EstudioError
from estudio.settings import Limits

DEFAULT_DECKS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "decks"
SUFFIXES = frozenset({".pptx", ".pptm", ".ppt", ".odp", ".pdf", ".potx"})


def tally(decks: list[Path], limits: Limits) -> Counter[str]:
    counts: Counter[str] = Counter()
    warning_kinds: Counter[str] = Counter()
    built_scenes = steps_total = 0
    header = (
        f"{'deck':<56} {'result':<17} {'scenes':>6} {'steps':>5} {'chars':>7} {'warn':>5} {'ms':>6}"
    )
    print(header)
    print("-" * len(header))
    for path in decks:
        started = time.perf_counter()
        steps = "-"
        try:
            with tempfile.TemporaryDirectory(prefix="estudio-tally-") as tmp:
                deck, _ = read_deck(path, limits, Path(tmp))
        except DeckError as e:
            result, scenes, chars, warns = e.code, "-", "-", "-"
        except EstudioError as e:  # a tool or the machine, not the deck
            result, scenes, chars, warns = f"BUG {e.code}", "-", "-", "-"
        except Exception as e:
            result, scenes, chars, warns = f"BUG {type(e).__name__}", "-", "-", "-"
        else:
            built = [len(s.steps) for s in deck.scenes if s.steps]
            built_scenes += len(built)
            steps_total += sum(built)
            steps = str(sum(built))
            all_warnings = deck.warnings + [w for s in deck.scenes for w in s.warnings]
            warning_kinds.update(w.split(":", 1)[0] for w in all_warnings)
            result = "ok"
            scenes = str(len(deck.scenes))
            chars = str(sum(len(s.script) for s in deck.scenes))
            warns = str(len(all_warnings))
        ms = (time.perf_counter() - started) * 1000
        counts[result] += 1
        print(
            f"{path.name[:56]:<56} {result:<17} {scenes:>6} {steps:>5} {chars:>7} {warns:>5} "
            f"{ms:>6.0f}"
        )
    print()
    print("summary: " + ", ".join(f"{code} {n}" for code, n in counts.most_common()))
    print(f"decks: {sum(counts.values())}")
    print(f"scenes with build steps: {built_scenes} ({steps_total} steps)")
    if warning_kinds:
        print("warnings: " + ", ".join(f"{kind} {n}" for kind, n in warning_kinds.most_common()))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tally parse results over a deck folder.")
    parser.add_argument("decks", nargs="*", type=Path, default=[DEFAULT_DECKS])
    parser.add_argument("--limit", type=int, default=0, help="only the first N decks")
    args = parser.parse_args(argv)
    decks = sorted(p for d in args.decks for p in d.iterdir() if p.suffix.lower() in SUFFIXES)
    if args.limit:
        decks = decks[: args.limit]
    if not decks:
        print(f"no decks in {', '.join(map(str, args.decks))}")
        return 1
    tally(decks, Limits())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
