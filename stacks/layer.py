"""The shared Lambda layer: the ``estudio`` package and its third-party dependencies.

Deploy builds it with ``python -m stacks.layer`` (``make layer``): a wheel of the project, then
``pip install --target build/layer/python --platform manylinux2014_aarch64 --only-binary=:all:
--python-version 3.12 --implementation cp`` so the native wheels (pydantic-core, lxml, numpy,
Pillow) match the Lambda runtime. Synthesis never downloads: when that folder is absent (CI,
tests) the layer holds the ``estudio`` package alone, copied here, and the app says so.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LAMBDA_PYTHON = "3.12"
LAMBDA_PLATFORM = "manylinux2014_aarch64"
# Provided by the Lambda runtime or unused there: kept out of the 250 MB budget.
EXCLUDED_FROM_LAYER = ("boto3", "botocore", "s3transfer", "uvicorn")


def has_dependencies(layer_dir: Path) -> bool:
    return (layer_dir / "python" / "pydantic").is_dir()


IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")


def _content_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(source).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stage_code_only(project_root: Path, dest: Path) -> Path:
    """``dest/<content hash>/python/estudio``: the package without caches. A staged folder is
    never replaced, only added beside, so synths running at the same time (parallel test
    workers) never see one another's half-copied or deleted files."""
    source = project_root / "layers" / "estudio"
    staged = dest / _content_hash(source)
    if staged.is_dir():
        return staged
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".layer-", dir=dest))
    shutil.copytree(source, tmp / "python" / "estudio", ignore=IGNORED)
    try:
        tmp.rename(staged)
    except OSError:  # another process staged the same content first
        shutil.rmtree(tmp, ignore_errors=True)
    return staged


def layer_source(project_root: Path, layer_dir: Path) -> tuple[Path, bool]:
    """The folder to package as the layer, and whether it carries the dependencies."""
    if has_dependencies(layer_dir):
        return layer_dir, True
    return stage_code_only(project_root, project_root / "build" / "layer-code"), False


def build_full_layer(project_root: Path, dest: Path, platform: str = LAMBDA_PLATFORM) -> Path:
    """Download the runtime's wheels into ``dest/python`` (needs the package index)."""
    wheels = Path(tempfile.mkdtemp(prefix="estudio-wheel-"))
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(project_root)], check=True)
    wheel = next(wheels.glob("estudio-*.whl"))
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run(
        [
            *pip,
            "install",
            "--target",
            str(dest / "python"),
            "--platform",
            platform,
            "--only-binary=:all:",
            "--python-version",
            LAMBDA_PYTHON,
            "--implementation",
            "cp",
            "--upgrade",
            f"{wheel}[cloud]",
        ],
        check=True,
    )
    for name in EXCLUDED_FROM_LAYER:
        for path in (dest / "python").glob(f"{name}*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.rmtree(wheels, ignore_errors=True)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Lambda layer for deployment.")
    parser.add_argument("--dest", type=Path, default=Path("build/layer"))
    parser.add_argument("--platform", default=LAMBDA_PLATFORM)
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    try:
        build_full_layer(root, args.dest.resolve(), args.platform)
    except subprocess.CalledProcessError as error:
        print(f"layer build failed: {error}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in args.dest.rglob("*") if p.is_file())
    print(f"layer ready in {args.dest} ({size / 1e6:.0f} MB unzipped; Lambda allows 250 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
