"""Render every corpus deck with the real CLI and tally the outcomes.

    python tests/corpus/render_tally.py [--preset 720p] [--limit N] [--jobs 1]

Each deck either renders (exit 0) or is refused with a stable code (exit 2). Anything else — an
internal error (exit 1), a crash or a timeout — is a bug, and is listed.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from corpus import deck_paths


def render(deck: Path, work: Path, preset: str, timeout: int) -> dict[str, Any]:
    started = time.perf_counter()
    argv = [
        sys.executable,
        "-m",
        "estudio.cli",
        "render",
        str(deck),
        "--out",
        str(work / deck.stem),
        "--preset",
        preset,
        "--json",
        "--data",
        str(work / "data"),
    ]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"deck": deck.name, "result": "TIMEOUT", "seconds": timeout}
    seconds = round(time.perf_counter() - started, 1)
    try:
        payload = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        payload = {}
    if done.returncode == 0:
        return {
            "deck": deck.name,
            "result": "rendered",
            "seconds": seconds,
            "scenes": payload.get("scenes"),
            "video_s": payload.get("duration_s"),
        }
    error = payload.get("error", {})
    kind = error.get("code", "no-json") if done.returncode == 2 else f"BUG exit {done.returncode}"
    return {
        "deck": deck.name,
        "result": kind,
        "seconds": seconds,
        "message": error.get("message") or done.stderr.strip()[-300:],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="720p")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()
    decks = deck_paths()[: args.limit or None]
    if not decks:
        print("no corpus found beside the project")
        return 0
    with (
        tempfile.TemporaryDirectory(prefix="estudio-tally-") as tmp,
        ThreadPoolExecutor(max_workers=args.jobs) as pool,
    ):
        rows: list[dict[str, Any]] = list(
            pool.map(lambda d: render(d, Path(tmp), args.preset, args.timeout), decks)
        )
    for row in rows:
        extra = row.get("message", "") or f"{row.get('scenes')} scenes, {row.get('video_s')} s"
        print(
            f"{row['deck'][:60]:<60} {row['result']:<18} {row['seconds']:>6} s  {str(extra)[:120]}"
        )
    tally = collections.Counter(str(r["result"]) for r in rows)
    print("\nTally:", ", ".join(f"{k} {v}" for k, v in tally.most_common()), f"(of {len(rows)})")
    return 1 if any(str(r["result"]).startswith(("BUG", "TIMEOUT", "no-json")) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
