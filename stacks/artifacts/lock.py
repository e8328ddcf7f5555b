"""The lock: every distribution the zip layers install, pinned with its wheel's sha256.

Resolved by pip for the Lambda platform (``--platform`` tags, CPython 3.12, binary wheels only)
with the dev environment's versions as constraints, so the cloud runs what the tests ran. A
source-only distribution (docopt, pulled in by num2words) is built into a wheel here, from its
hash-checked sdist, reproducibly (fixed build backend, ``SOURCE_DATE_EPOCH``), so its wheel's
hash is as stable as a downloaded one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from stacks.artifacts.imports import normalize
from stacks.bundles import IMAGE_ONLY, LAMBDA_PYTHON, LAYERS, LOCAL_ONLY, RUNTIME_PROVIDED

LOCK_FILE = "requirements/lambda-arm64.txt"
IMAGE_CONSTRAINTS = "requirements/image-constraints.txt"  # the same versions, for the images
SDISTS_FILE = "requirements/sdists.txt"
BUILD_CONSTRAINTS = "requirements/build-constraints.txt"
# Lambda arm64 runs Amazon Linux 2023 (glibc 2.34): manylinux tags up to 2_34 load there.
PLATFORMS = (
    *(f"manylinux_2_{minor}_aarch64" for minor in range(34, 16, -1)),
    "manylinux2014_aarch64",
)
SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01, the earliest a zip can say
LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>\S+)\s+--hash=sha256:(?P<hash>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class Pin:
    name: str  # normalised
    version: str
    sha256: str

    def line(self) -> str:
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


def read_pins(path: Path) -> list[Pin]:
    pins = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        match = LINE.match(raw.strip())
        if match:
            pins.append(Pin(normalize(match["name"]), match["version"], match["hash"]))
    return pins


def platform_args() -> list[str]:
    args = []
    for tag in PLATFORMS:
        args += ["--platform", tag]
    return [
        *args,
        "--only-binary=:all:",
        "--python-version",
        LAMBDA_PYTHON,
        "--implementation",
        "cp",
        "--abi",
        "cp" + LAMBDA_PYTHON.replace(".", ""),
    ]


def cloud_requirements(project_root: Path) -> list[str]:
    """The project's runtime dependencies and its ``cloud`` extra, minus the local-only ones."""
    project = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["cloud"],
    ]
    return [r for r in wanted if normalize(re.split(r"[\[<>=!~ ;]", r)[0]) not in LOCAL_ONLY]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pip(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, env=env)


def build_source_wheels(project_root: Path, wheelhouse: Path, sdists: Path) -> None:
    """A wheel for each pinned sdist, built reproducibly into ``wheelhouse``."""
    pins = read_pins(project_root / SDISTS_FILE)
    wheelhouse.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    for pin in pins:
        stem = pin.name.replace("-", "_")
        if list(wheelhouse.glob(f"{stem}-{pin.version}-*.whl")):
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
            req.write(pin.line() + "\n")
        pip(
            "download",
            "-q",
            "--no-deps",
            "--no-binary=:all:",
            "--require-hashes",
            "-d",
            str(sdists),
            "-r",
            req.name,
        )
        (sdist,) = [
            *sdists.glob(f"{stem}-{pin.version}.tar.gz"),
            *sdists.glob(f"{pin.name}-{pin.version}.tar.gz"),
        ][:1]
        pip(
            "wheel",
            "-q",
            "--no-deps",
            "--build-constraint",
            str(project_root / BUILD_CONSTRAINTS),
            "-w",
            str(wheelhouse),
            str(sdist),
            env=env,
        )
        Path(req.name).unlink()


def _dev_constraints() -> str:
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in frozen.splitlines() if "==" in line and not line.startswith("-e")]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    return handle.name


def resolve(project_root: Path, wheelhouse: Path) -> list[Pin]:
    """What pip would install on the Lambda platform, with each chosen file's hash."""
    with tempfile.TemporaryDirectory(prefix="estudio-lock-") as scratch:
        requirements = Path(scratch) / "requirements.in"
        requirements.write_text("\n".join(cloud_requirements(project_root)) + "\n")
        report = Path(scratch) / "report.json"
        pip(
            "install",
            "-q",
            "--dry-run",
            "--ignore-installed",
            "--report",
            str(report),
            "--target",
            str(Path(scratch) / "target"),
            *platform_args(),
            "--find-links",
            str(wheelhouse),
            "-c",
            _dev_constraints(),
            "-r",
            str(requirements),
        )
        installs = json.loads(report.read_text())["install"]
    pins = []
    for item in installs:
        name = normalize(item["metadata"]["name"])
        archive = item["download_info"].get("archive_info", {})
        digest = archive.get("hashes", {}).get("sha256") or archive.get("hash", "").removeprefix(
            "sha256="
        )
        if not digest:
            url = item["download_info"]["url"]
            digest = sha256(Path(url.removeprefix("file://")))
        pins.append(Pin(name, item["metadata"]["version"], digest))
    return sorted(pins, key=lambda p: p.name)


def unplaced(pins: list[Pin]) -> list[str]:
    """Locked distributions no layer installs (and that are not provided or image-only), and
    distributions placed in two layers."""
    placed: dict[str, list[str]] = {}
    for layer, names in LAYERS.items():
        for name in names:
            placed.setdefault(name, []).append(layer)
    problems = [f"{n}: in layers {v}" for n, v in placed.items() if len(v) > 1]
    for pin in pins:
        if pin.name not in placed and pin.name not in RUNTIME_PROVIDED | IMAGE_ONLY:
            problems.append(f"{pin.name}: locked but in no layer (stacks/bundles.py LAYERS)")
    return problems


HEADER = """\
# The cloud's Python dependencies for AWS Lambda arm64, CPython {python}: every wheel the zip
# layers install (stacks/bundles.py says which layer), pinned with its sha256.
# Generated by `make lock` from pyproject.toml, with the dev environment's versions. Do not edit.
# Provided by the Lambda runtime, not installed: {provided}.
"""


def write_lock(project_root: Path, pins: list[Pin]) -> Path:
    kept = [p for p in pins if p.name not in RUNTIME_PROVIDED]
    text = HEADER.format(python=LAMBDA_PYTHON, provided=", ".join(sorted(RUNTIME_PROVIDED)))
    text += "".join(p.line() + "\n" for p in kept)
    path = project_root / LOCK_FILE
    _write(path, text)
    _write(
        project_root / IMAGE_CONSTRAINTS,
        "# The lock's versions (every platform has its own wheels and hashes), as pip constraints\n"
        "# for the container images. Generated by `make lock` with requirements/lambda-arm64.txt.\n"
        + "".join(f"{p.name}=={p.version}\n" for p in pins),
    )
    return path


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
