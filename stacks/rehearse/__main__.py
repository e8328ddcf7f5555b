"""``python -m stacks.rehearse [--deck PPTX] [--avatar ana] [--preset 720p] [--out DIR]``.

Prints one JSON line on stdout (``{"status", "scenes", "duration_s", "outputs", ...}``); every
log line (the functions', ffmpeg's) goes to stderr. Exit 0 when the render succeeded and its
outputs were downloaded, 1 when it did not, 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DECK = PROJECT_ROOT / "examples" / "nr10-seguranca-eletrica.pptx"
DEFAULT_OUT = Path("out") / "rehearse"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make rehearse",
        description="Render a deck through the cloud code path: API Lambda, Step Functions, "
        "the stage Lambdas and the Batch render container, on moto.",
    )
    parser.add_argument("--deck", type=Path, default=EXAMPLE_DECK, help="the .pptx to render")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the outputs go")
    parser.add_argument("--avatar", default=None, help="a built-in presenter (the Batch path)")
    parser.add_argument("--preset", default="1080p", help="1080p, 720p, vertical or square")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.deck.is_file():
        print(f"rehearse: no deck at {args.deck}", file=sys.stderr)
        return 2
    summary_fd = os.dup(1)  # the summary keeps stdout; everything else goes to stderr
    os.dup2(2, 1)
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    from stacks.rehearse.run import rehearse

    scratch = Path(tempfile.mkdtemp(prefix="estudio-rehearse-"))
    summary: dict[str, Any]
    try:
        summary = rehearse(PROJECT_ROOT, args.deck, args.out, args.avatar, args.preset, scratch)
    except Exception as error:  # the summary line is still the answer; the trace goes to stderr
        traceback.print_exc()
        summary = {
            "status": "failed",
            "scenes": None,
            "duration_s": None,
            "outputs": [],
            "error": {"code": "rehearsal_failed", "message": f"{type(error).__name__}: {error}"},
        }
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    with os.fdopen(summary_fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0 if summary["status"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
