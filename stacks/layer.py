"""Where synthesis finds each function's code and layers: the built artifacts, or the source.

Two modes, chosen by the ``artifacts`` context (ADR 0004):

* ``build`` (the default; ``make synth``, ``cdk deploy``): the folders ``make package`` built
  under ``build/artifacts/``. A layer that is missing, or stale against the lock or the
  package source, stops the synthesis with ``IncompleteArtifacts``: a deployable app is never
  made from a partial layer.
* ``source`` (``make synth-check``, the tests): the ``estudio`` package copied from the source
  and an empty stand-in for each dependency layer. The app synthesizes for assertions and
  cdk-nag, and is annotated as not deployable.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from stacks.bundles import CODE_LAYER

BUILD = "build"
SOURCE = "source"
MODES = (BUILD, SOURCE)
ARTIFACTS_DIR = Path("build") / "artifacts"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")
PLACEHOLDER = "SOURCE-MODE-PLACEHOLDER.txt"


class IncompleteArtifacts(Exception):
    """A deploy-mode synthesis found a missing or stale artifact."""


def _content_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(source).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _stage_once(dest: Path, name: str, fill: Callable[[Path], object]) -> Path:
    """``dest/<name>``, written once: a staged folder is never replaced, only added beside,
    so synths running at the same time (parallel test workers) never see half a copy."""
    staged = dest / name
    if staged.is_dir():
        return staged
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".layer-", dir=dest))
    fill(tmp)
    try:
        tmp.rename(staged)
    except OSError:  # another process staged the same content first
        shutil.rmtree(tmp, ignore_errors=True)
    return staged


def stage_code_only(project_root: Path, dest: Path) -> Path:
    """``dest/<content hash>/python/estudio``: the package without caches."""
    source = project_root / "layers" / "estudio"
    return _stage_once(
        dest,
        _content_hash(source),
        lambda tmp: shutil.copytree(source, tmp / "python" / "estudio", ignore=IGNORED),
    )


def _placeholder(dest: Path, name: str) -> Path:
    def fill(tmp: Path) -> None:
        (tmp / "python").mkdir()
        (tmp / "python" / PLACEHOLDER).write_text(
            f"Synthesized from source: the {name} layer is not built. Run `make package`.\n"
        )

    return _stage_once(dest, name, fill)


def source_layer(project_root: Path, name: str) -> Path:
    staging = project_root / "build" / "layer-source"
    if name == CODE_LAYER:
        return stage_code_only(project_root, staging / "code")
    return _placeholder(staging / "placeholders", name)


def built_layer(project_root: Path, name: str) -> Path:
    """The layer ``make package`` built, checked complete and current."""
    from stacks.artifacts.build import is_complete, layer_digest
    from stacks.artifacts.lock import LOCK_FILE, read_pins
    from stacks.bundles import LAYERS

    folder = project_root / ARTIFACTS_DIR / "layers" / name
    pins = [p for p in read_pins(project_root / LOCK_FILE) if p.name in LAYERS.get(name, ())]
    if not is_complete(folder, layer_digest(name, pins, project_root)):
        state = "stale (the lock or the package changed)" if folder.is_dir() else "missing"
        raise IncompleteArtifacts(
            f"the {name} layer in {ARTIFACTS_DIR}/layers/{name} is {state}: run `make package` "
            "before `make synth` (or `make synth-check` to synthesize from source, not for deploy)"
        )
    return folder


def built_function(project_root: Path, name: str, folder: str) -> Path:
    built = project_root / ARTIFACTS_DIR / "functions" / name
    source = project_root / "functions" / folder
    fresh = built.is_dir() and sorted(p.name for p in built.iterdir() if p.is_file()) == sorted(
        p.name for p in source.iterdir() if p.is_file()
    )
    if fresh:
        fresh = all(
            (built / p.name).read_bytes() == p.read_bytes() for p in source.iterdir() if p.is_file()
        )
    if not fresh:
        raise IncompleteArtifacts(
            f"the {name} function's code in {ARTIFACTS_DIR}/functions/{name} is missing or "
            "older than its source: run `make package`"
        )
    return built
