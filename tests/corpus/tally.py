"""Parse every corpus deck and print what happened: one row per deck, then a tally by result.

    python tests/corpus/tally.py [DECKS_DIR]

Default folder: the shared corpus beside the project (``../shared/corpus/decks``).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from estudio.deck.parse import parse_deck
from estudio.errors import DeckError
from estudio.settings import Limits

DEFAULT_DECKS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "decks"


def tally(decks: list[Path], limits: Limits) -> Counter[str]:
    counts: Counter[str] = Counter()
    warning_kinds: Counter[str] = Counter()
    header = f"{'deck':<56} {'result':<17} {'scenes':>6} {'chars':>7} {'warn':>5} {'ms':>6}"
    print(header)
    print("-" * len(header))
    for path in decks:
        started = time.perf_counter()
        try:
            deck = parse_deck(path, limits)
        except DeckError as e:
            result, scenes, chars, warns = e.code, "-", "-", "-"
        else:
            all_warnings = deck.warnings + [w for s in deck.scenes for w in s.warnings]
            warning_kinds.update(w.split(":", 1)[0] for w in all_warnings)
            result = "ok"
            scenes = str(len(deck.scenes))
            chars = str(sum(len(s.script) for s in deck.scenes))
            warns = str(len(all_warnings))
        ms = (time.perf_counter() - started) * 1000
        counts[result] += 1
        print(f"{path.name[:56]:<56} {result:<17} {scenes:>6} {chars:>7} {warns:>5} {ms:>6.0f}")
    print()
    print("summary: " + ", ".join(f"{code} {n}" for code, n in counts.most_common()))
    print(f"decks: {sum(counts.values())}")
    if warning_kinds:
        print("warnings: " + ", ".join(f"{kind} {n}" for kind, n in warning_kinds.most_common()))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tally parse results over a deck folder.")
    parser.add_argument("decks", nargs="?", type=Path, default=DEFAULT_DECKS)
    args = parser.parse_args(argv)
    decks = sorted(args.decks.glob("*.pptx"))
    if not decks:
        print(f"no .pptx files in {args.decks}")
        return 1
    tally(decks, Limits())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
