"""``make package``: every zip artifact, from the lock, into ``build/artifacts/``.

Layout (what ``stacks/functions.py`` reads in deploy mode)::

    build/artifacts/wheels/arm64/      hash-checked wheels, downloaded once (the cache)
    build/artifacts/layers/<name>/python/...   one folder per layer, with a .lock-digest stamp
    build/artifacts/functions/<name>/  each zip function's own code (its handler folder)
    build/package-report.json          sizes, layers, cold import times; the limit

A layer is reinstalled only when its lines of the lock change; wheels are downloaded only when
missing from the cache. Installs are made aside and moved in, so an interrupted build leaves no
half layer that could pass for a complete one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from stacks.artifacts.imports import Entry, ImportWalker
from stacks.artifacts.lock import (
    LOCK_FILE,
    Pin,
    build_source_wheels,
    pip,
    platform_args,
    read_pins,
    sha256,
)
from stacks.artifacts.report import (
    STAMP,
    function_entry,
    make_report,
    problems,
    tree_bytes,
    tree_sha256,
    write_report,
)
from stacks.bundles import BUNDLES, CODE_LAYER, LAYERS, ZIP, Bundle

ARTIFACTS = Path("build") / "artifacts"
REPORT = Path("build") / "package-report.json"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")


def layer_digest(name: str, pins: list[Pin], project_root: Path) -> str:
    import hashlib

    digest = hashlib.sha256(name.encode())
    if name == CODE_LAYER:
        source = project_root / "layers" / "estudio"
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(path.relative_to(source).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    else:
        for pin in pins:
            digest.update(pin.line().encode() + b"\n")
    return digest.hexdigest()


def is_complete(layer_dir: Path, digest: str) -> bool:
    stamp = layer_dir / STAMP
    return stamp.is_file() and stamp.read_text().strip() == digest


def _replace(tmp: Path, dest: Path) -> None:
    old = dest.with_name(dest.name + ".old")
    if dest.exists():
        dest.rename(old)
    tmp.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def _remove_leftovers(*folders: Path) -> None:
    """Half-made folders an interrupted build left (``.name-xxxx``, ``name.old``)."""
    for folder in folders:
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_dir() and (path.name.startswith(".") or path.name.endswith(".old")):
                    shutil.rmtree(path, ignore_errors=True)


def fetch_wheels(pins: list[Pin], cache: Path, project_root: Path) -> None:
    """Download what the cache lacks (hash-checked by pip); build the source-only ones."""
    cache.mkdir(parents=True, exist_ok=True)
    build_source_wheels(project_root, cache, cache.parent / "sdists")
    have = {sha256(path) for path in cache.glob("*.whl")}
    missing = [pin for pin in pins if pin.sha256 not in have]
    if not missing:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
        req.write("".join(pin.line() + "\n" for pin in missing))
    pip(
        "download",
        "-q",
        "--no-deps",
        "--require-hashes",
        *platform_args(),
        "--find-links",
        str(cache),
        "-d",
        str(cache),
        "-r",
        req.name,
    )
    Path(req.name).unlink()


def install_layer(name: str, pins: list[Pin], cache: Path, dest: Path, digest: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=dest.parent))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
        req.write("".join(pin.line() + "\n" for pin in pins))
    pip(
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        "--no-compile",
        "--require-hashes",
        "--find-links",
        str(cache),
        "--target",
        str(tmp / "python"),
        *platform_args(),
        "-r",
        req.name,
    )
    Path(req.name).unlink()
    (tmp / STAMP).write_text(digest + "\n")
    _replace(tmp, dest)


def stage_tree(source: Path, dest: Path, inner: str, digest: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=".code-", dir=dest.parent))
    shutil.copytree(source, tmp / inner, ignore=IGNORED)
    (tmp / STAMP).write_text(digest + "\n")
    _replace(tmp, dest)


def build_layers(project_root: Path, out: Path) -> dict[str, Path]:
    pins = read_pins(project_root / LOCK_FILE)
    by_layer = {layer: [p for p in pins if p.name in names] for layer, names in LAYERS.items()}
    cache = out / "wheels" / "arm64"
    fetch_wheels([p for group in by_layer.values() for p in group], cache, project_root)
    layers_dir = out / "layers"
    layers_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(layers_dir, out / "functions")
    built: dict[str, Path] = {}
    for layer, layer_pins in by_layer.items():
        dest = layers_dir / layer
        digest = layer_digest(layer, layer_pins, project_root)
        if not is_complete(dest, digest):
            install_layer(layer, layer_pins, cache, dest, digest)
        built[layer] = dest
    code = layers_dir / CODE_LAYER
    digest = layer_digest(CODE_LAYER, [], project_root)
    if not is_complete(code, digest):
        stage_tree(project_root / "layers" / "estudio", code, "python/estudio", digest)
    built[CODE_LAYER] = code
    return built


def build_function_code(project_root: Path, out: Path, bundle: Bundle) -> Path:
    """The function's own zip: its handler folder, nothing else (the rest is in layers)."""
    dest = out / "functions" / bundle.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{bundle.name}-", dir=dest.parent))
    tmp.rmdir()
    shutil.copytree(project_root / "functions" / bundle.folder, tmp, ignore=IGNORED)
    _replace(tmp, dest)
    return dest


def walk_entries(project_root: Path, bundle: Bundle) -> list[Entry]:
    entries = [
        Entry(
            f"functions.{bundle.folder}.handler",
            path=project_root / "functions" / bundle.folder / "handler.py",
        )
    ]
    if bundle.stage:
        from estudio.pipeline.stages import RESOURCES

        entries.append(Entry("estudio.pipeline.stages", function=RESOURCES[bundle.stage].__name__))
    if bundle.api_group:
        from estudio.api.groups import group

        entries += [Entry(m) for m in group(bundle.api_group).modules()]
    return entries


TIMER = """
import importlib, importlib.util, json, sys, time
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
handler_s = time.perf_counter() - started
for name in json.loads(sys.argv[2]):
    importlib.import_module(name)
print(json.dumps({"import_s": handler_s, "first_use_s": time.perf_counter() - started - handler_s}))
"""
DUMMY_ENV = {
    "ESTUDIO_AWS_ARTIFACTS_BUCKET": "artifacts",
    "ESTUDIO_AWS_TABLE": "table",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "estudio",
}


def time_imports(project_root: Path, bundle: Bundle, runs: int) -> dict[str, Any]:
    """Cold import of the handler in fresh interpreters (the fastest of ``runs``: the others
    measure the machine's other work), then the project modules its first invocation can load
    (everything the import walk reached)."""
    walk = ImportWalker(project_root / "layers").walk(
        walk_entries(project_root, bundle), bundle.cuts
    )
    modules = sorted(walk.modules)
    handler = project_root / "functions" / bundle.folder / "handler.py"
    env = {
        **os.environ,
        **DUMMY_ENV,
        "PYTHONPATH": f"{project_root / 'layers'}{os.pathsep}{project_root}",
    }
    if bundle.api_group:
        env["ESTUDIO_API_GROUP"] = bundle.api_group
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", TIMER, str(handler), json.dumps(modules)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=project_root,
        ).stdout
        samples.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "import_s": round(min(s["import_s"] for s in samples), 3),
        "first_use_import_s": round(min(s["first_use_s"] for s in samples), 3),
    }


def package(project_root: Path, runs: int = 3) -> tuple[dict[str, Any], list[str]]:
    started = time.perf_counter()
    out = project_root / ARTIFACTS
    layers = build_layers(project_root, out)
    layer_bytes = {name: tree_bytes(path) for name, path in layers.items()}
    functions = []
    for bundle in BUNDLES:
        code = build_function_code(project_root, out, bundle) if bundle.kind == ZIP else None
        timing = time_imports(project_root, bundle, runs) if runs else None
        functions.append(function_entry(bundle, code, layer_bytes, timing))
    report = make_report(
        functions,
        layers=[
            {"name": n, "unzipped_bytes": b, "content_sha256": tree_sha256(layers[n])}
            for n, b in layer_bytes.items()
        ],
        platform="linux/arm64 (zip), linux/amd64 (images), CPython 3.12",
        import_note=(
            "import_s: fastest of the runs' cold import of the handler module, each in a fresh "
            "interpreter; "
            "first_use_import_s: then the project modules its first invocation can load. "
            f"Measured on this machine (CPython {sys.version_info.major}.{sys.version_info.minor}, "
            f"{os.uname().machine}) against the source tree and the dev environment: the built "
            "layers are for arm64 CPython 3.12 and cannot run here."
        ),
        build_s=round(time.perf_counter() - started, 1),
    )
    write_report(report, project_root / REPORT)
    return report, problems(report)
