"""``python -m stacks.artifacts lock|build|check-assets`` (``make lock``, ``make package``)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.artifacts")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("lock", help="resolve the cloud dependencies into requirements/")
    build = commands.add_parser("build", help="build every zip artifact into build/")
    build.add_argument("--import-runs", type=int, default=3, help="0 skips the timing")
    check = commands.add_parser("check-assets", help="compare cdk.out with the report")
    check.add_argument("--cdk-out", type=Path, default=PROJECT_ROOT / "cdk.out")
    args = parser.parse_args(argv)
    try:
        if args.command == "lock":
            return _lock()
        if args.command == "build":
            return _build(args.import_runs)
        return _check(args.cdk_out)
    except subprocess.CalledProcessError as error:
        print(f"artifacts: {error}", file=sys.stderr)
        return 1


def _lock() -> int:
    from stacks.artifacts.lock import build_source_wheels, resolve, unplaced, write_lock

    wheelhouse = PROJECT_ROOT / "build" / "artifacts" / "wheels" / "arm64"
    build_source_wheels(PROJECT_ROOT, wheelhouse, wheelhouse.parent / "sdists")
    pins = resolve(PROJECT_ROOT, wheelhouse)
    wrong = unplaced(pins)
    if wrong:
        print("artifacts: " + "; ".join(wrong), file=sys.stderr)
        return 1
    print(f"locked {len(pins)} distributions into {write_lock(PROJECT_ROOT, pins)}")
    return 0


def _build(runs: int) -> int:
    from stacks.artifacts.build import REPORT, package

    report, wrong = package(PROJECT_ROOT, runs)
    for fn in report["functions"]:
        size = "image" if fn["unzipped_bytes"] is None else f"{fn['unzipped_bytes'] / 1e6:6.1f} MB"
        layers = "+".join(layer["name"] for layer in fn["layers"]) or "-"
        print(
            f"{fn['name']:14} {fn['kind']:5} {size:>9}  {layers:28} import {fn.get('import_s')} s"
        )
    print(f"report: {REPORT} (limit {report['limit_bytes']} bytes, built in {report['build_s']} s)")
    for line in wrong:
        print(f"artifacts: over the limit: {line}", file=sys.stderr)
    return 1 if wrong else 0


def _check(outdir: Path) -> int:
    from stacks.artifacts.build import REPORT
    from stacks.artifacts.report import asset_mismatches, synthesized_sizes

    report = json.loads((PROJECT_ROOT / REPORT).read_text())
    wrong = asset_mismatches(report, synthesized_sizes(outdir))
    for line in wrong:
        print(f"artifacts: cdk.out differs from the report: {line}", file=sys.stderr)
    if not wrong:
        print(f"cdk.out assets measure what {REPORT} says")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
