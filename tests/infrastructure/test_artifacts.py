"""Deploy artifacts (ADR 0004): the bundles match what each handler imports, the lock is
consistent, the report's checks catch an oversized function, and deploy-mode synthesis refuses
a missing layer. None of it downloads anything: the real `make package` is measured by hand."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest

from stacks.artifacts.build import walk_entries
from stacks.artifacts.imports import Cut, Entry, ImportWalker, distributions_of
from stacks.artifacts.lock import LOCK_FILE, SDISTS_FILE, cloud_requirements, read_pins, unplaced
from stacks.artifacts.report import (
    asset_mismatches,
    function_entry,
    make_report,
    problems,
    synthesized_sizes,
    tree_bytes,
)
from stacks.bundles import BUNDLES, IMAGE, LAYERS, LIMIT_BYTES, RUNTIME_PROVIDED, ZIP, Bundle
from stacks.layer import IncompleteArtifacts
from tests.infrastructure.assembly import PROJECT_ROOT, Assembly, synthesized

WALKER = ImportWalker(PROJECT_ROOT / "layers")


@pytest.mark.parametrize("chosen", [b for b in BUNDLES if b.kind == ZIP], ids=lambda b: b.name)
def test_given_a_zip_function_when_its_imports_are_walked_then_its_layers_hold_them_all(
    chosen: Bundle,
) -> None:
    walk = WALKER.walk(walk_entries(PROJECT_ROOT, chosen), chosen.cuts)
    needed, unknown = distributions_of(walk.third_party)
    held = set(RUNTIME_PROVIDED).union(*(LAYERS.get(name, set()) for name in chosen.layers))
    missing = {
        dist: walk.chain(name)
        for name in walk.third_party
        for dist in distributions_of([name])[0]
        if dist not in held
    }
    assert missing == {}, "reached without a layer holding it (import chains shown)"
    assert unknown <= {"torch"}, unknown  # the optional GPU compositor is never installed here
    assert walk.bad_cuts == {}, "a cut module is imported eagerly: the cut hides a real need"
    assert {c.module for c in chosen.cuts} == walk.cuts_used, "a cut nothing crosses: remove it"
    unused = [n for n in chosen.layers if n in LAYERS and not LAYERS[n] & needed]
    assert unused == [], f"layers nothing imports: {unused}"


def test_given_a_cut_that_an_eager_import_crosses_when_walked_then_the_walk_reports_it() -> None:
    walk = WALKER.walk(
        [Entry("estudio.deck.parse")], [Cut("estudio.deck.safety", "claimed, but wrong")]
    )
    assert walk.bad_cuts == {"estudio.deck.safety": "estudio.deck.parse"}
    assert "pptx" in walk.third_party


def test_given_the_handler_folders_then_each_has_a_bundle() -> None:
    folders = {
        p.name for p in (PROJECT_ROOT / "functions").iterdir() if (p / "handler.py").is_file()
    }
    assert folders == {b.folder for b in BUNDLES}


def test_given_the_lock_then_every_locked_wheel_is_placed_hashed_and_current() -> None:
    pins = read_pins(PROJECT_ROOT / LOCK_FILE)
    assert unplaced(pins) == []
    names = {p.name for p in pins}
    assert set().union(*LAYERS.values()) <= names, "a layer names a distribution the lock lacks"
    assert not names & RUNTIME_PROVIDED
    lines = [
        line
        for line in (PROJECT_ROOT / LOCK_FILE).read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert len(lines) == len(pins), "every line pins one version with one sha256"
    wanted = {
        r.split(">")[0].split("[")[0].split("=")[0].strip().lower()
        for r in cloud_requirements(PROJECT_ROOT)
    }
    assert {w.replace("_", "-") for w in wanted} - RUNTIME_PROVIDED <= names
    assert read_pins(PROJECT_ROOT / SDISTS_FILE), "docopt is built from its pinned sdist"


def _fake_tree(root: Path, sizes: dict[str, int]) -> dict[str, Path]:
    folders = {}
    for name, size in sizes.items():
        folder = root / name / "python"
        folder.mkdir(parents=True)
        (folder / "blob.bin").write_bytes(b"x" * size)
        (folder / "__pycache__").mkdir()
        (folder / "__pycache__" / "ignored.pyc").write_bytes(b"y" * 1000)
        folders[name] = root / name
    return folders


def test_given_a_fake_tree_when_reported_then_sizes_add_up_and_the_limit_is_enforced(
    tmp_path: Path,
) -> None:
    layers = _fake_tree(tmp_path / "layers", {"code": 10, "base": 200, "numpy": 300})
    code = tmp_path / "fn"
    code.mkdir()
    (code / "handler.py").write_text("x = 1\n")
    sizes = {name: tree_bytes(path) for name, path in layers.items()}
    assert sizes == {"code": 10, "base": 200, "numpy": 300}
    small = Bundle("small", "small", layers=("code", "base"))
    heavy = Bundle("heavy", "heavy", layers=("code", "base", "numpy"))
    image = Bundle("img", "img", kind=IMAGE, layers=())
    report = make_report(
        [function_entry(b, code if b.kind == ZIP else None, sizes) for b in (small, heavy, image)]
    )
    by_name = {f["name"]: f for f in report["functions"]}
    assert by_name["small"]["unzipped_bytes"] == 6 + 210
    assert by_name["heavy"]["layers"] == [
        {"name": "code", "unzipped_bytes": 10},
        {"name": "base", "unzipped_bytes": 200},
        {"name": "numpy", "unzipped_bytes": 300},
    ]
    assert by_name["img"]["unzipped_bytes"] is None and "docker" in by_name["img"]["note"]
    assert report["limit_bytes"] == LIMIT_BYTES == 262_144_000
    assert problems(report) == []
    report["limit_bytes"] = 300
    assert [p.split(":")[0] for p in problems(report)] == ["heavy"]


def test_given_the_source_assembly_then_every_zip_function_names_its_bundle_and_layers(
    assembly: Assembly,
) -> None:
    sizes = synthesized_sizes(assembly.outdir)
    expected = {b.name: set(b.layers) for b in BUNDLES if b.kind == ZIP}
    assert {name: set(s["layers"]) for name, s in sizes.items()} == expected
    # and the comparison with a report catches a difference
    report = make_report(
        [
            {
                "name": name,
                "kind": ZIP,
                "code_bytes": s["code_bytes"],
                "layers": [{"name": n, "unzipped_bytes": b} for n, b in s["layers"].items()],
            }
            for name, s in sizes.items()
        ]
    )
    assert asset_mismatches(report, sizes) == []
    report["functions"][0]["code_bytes"] += 1
    assert len(asset_mismatches(report, sizes)) == 1


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return synthesized()


def test_given_no_built_layers_when_synthesized_for_deploy_then_synthesis_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import build_app
    from stacks import layer

    monkeypatch.setattr(layer, "ARTIFACTS_DIR", Path("build") / "no-such-artifacts")
    app = cdk.App(outdir=str(tmp_path), context={"stage": "test", "artifacts": "build"})
    with pytest.raises(IncompleteArtifacts, match="make package"):
        build_app(app, nag=False)


def test_given_a_layer_built_from_another_lock_when_synthesizing_for_deploy_then_it_is_stale(
    tmp_path: Path,
) -> None:
    from stacks.artifacts.build import layer_digest
    from stacks.layer import ARTIFACTS_DIR, built_layer

    (tmp_path / "requirements").mkdir()
    lock = (PROJECT_ROOT / LOCK_FILE).read_text()
    (tmp_path / LOCK_FILE).write_text(lock)
    folder = tmp_path / ARTIFACTS_DIR / "layers" / "base"
    (folder / "python").mkdir(parents=True)
    pins = [p for p in read_pins(tmp_path / LOCK_FILE) if p.name in LAYERS["base"]]
    (folder / ".lock-digest").write_text(layer_digest("base", pins, tmp_path) + "\n")
    assert built_layer(tmp_path, "base") == folder
    # the lock moves on (one version bumped): the built layer no longer counts
    (tmp_path / LOCK_FILE).write_text(lock.replace("fastapi==", "fastapi==9", 1))
    with pytest.raises(IncompleteArtifacts, match="stale"):
        built_layer(tmp_path, "base")


def test_given_the_lock_then_the_images_are_constrained_to_the_same_versions() -> None:
    from stacks.artifacts.lock import IMAGE_CONSTRAINTS

    constraints = {
        line.split("==")[0]: line.split("==")[1]
        for line in (PROJECT_ROOT / IMAGE_CONSTRAINTS).read_text().splitlines()
        if "==" in line
    }
    for pin in read_pins(PROJECT_ROOT / LOCK_FILE):
        assert constraints.get(pin.name) == pin.version, pin.name
    assert set(RUNTIME_PROVIDED) <= set(constraints)  # the images have no Lambda runtime
