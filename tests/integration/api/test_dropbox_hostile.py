"""The drop folder under attack (issue 10): links in and out, half-copied decks, unknown tenants,
re-drops with a new sidecar. Every refusal writes ``error.json`` and nothing else."""

from __future__ import annotations

import json
import os
from pathlib import Path

from estudio.api.keys import create_key
from estudio.dropbox import DropFolder
from tests.integration.api.conftest import Env


def _drop(env: Env, root: Path, *tenants: str) -> DropFolder:
    for tenant in tenants:
        create_key(env.items, tenant)
    return DropFolder(root, env.app.state.services, settle_s=2.0)


def _settle(drop: DropFolder, start: float = 0.0) -> list[str]:
    drop.scan(now=start)
    return drop.scan(now=start + 5.0)


def _jobs(env: Env, tenant: str) -> list[object]:
    return env.items.list("job", tenant)[0]


def _error(path: Path) -> dict[str, str]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_given_a_link_to_another_tenants_deck_then_it_is_refused_not_rendered(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    (root / "beta").mkdir()
    secret = root / "acme" / "segredo.pptx"
    secret.write_bytes(deck_bytes)
    (root / "beta" / "roubo.pptx").symlink_to(secret)
    drop = _drop(env, root, "acme", "beta")
    drop.scan(now=0.0)
    drop.scan(now=5.0)
    assert _jobs(env, "beta") == []
    refused = root / "beta" / "outgoing" / "roubo"
    assert sorted(p.name for p in refused.iterdir()) == ["error.json"]
    assert _error(refused / "error.json")["code"] == "invalid_options"
    assert len(_jobs(env, "acme")) == 1  # acme's own deck renders as acme


def test_given_a_linked_outgoing_folder_then_nothing_is_written_through_it(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "beta").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "beta" / "outgoing").symlink_to(elsewhere, target_is_directory=True)
    (root / "beta" / "aula.pptx").write_bytes(deck_bytes)
    drop = _drop(env, root, "beta")
    [job_id] = _settle(drop)
    key = f"jobs/{job_id}/out/video.mp4"
    env.blobs.put_bytes(key, b"video")
    env.app.state.services.jobs.succeed(job_id, {"video.mp4": key}, 1.0)
    drop.scan(now=6.0)
    assert list(elsewhere.iterdir()) == []
    [record] = env.items.list("dropfile", "beta")[0]
    assert record.data["state"] == "undeliverable"


def test_given_a_deck_still_being_copied_then_it_waits_and_renders_once_without_an_error(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    deck = root / "acme" / "grande.pptx"
    drop = _drop(env, root, "acme")
    half = len(deck_bytes) // 2
    deck.write_bytes(deck_bytes[:half])
    assert drop.scan(now=0.0) == []
    assert drop.scan(now=1.5) == []
    with deck.open("ab") as handle:  # the copy goes on
        handle.write(deck_bytes[half:])
    os.utime(deck, ns=(10**18, 10**18))
    assert drop.scan(now=2.5) == []  # changed: the clock starts again
    assert drop.scan(now=3.5) == []
    [job_id] = drop.scan(now=5.0)
    assert not (root / "acme" / "outgoing").exists()
    assert env.app.state.services.jobs.get(job_id).source_name == "grande.pptx"


def test_given_a_refused_deck_when_fixed_and_rendered_then_the_stale_error_goes(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    deck = root / "acme" / "Apresentação – NR-10.pptx"
    deck.write_bytes(b"not a deck yet")
    drop = _drop(env, root, "acme")
    [broken] = _settle(drop)
    env.app.state.services.jobs.fail(broken, "not_a_pptx", "not a .pptx")
    drop.scan(now=6.0)
    outgoing = root / "acme" / "outgoing" / "Apresentação – NR-10"
    assert _error(outgoing / "error.json")["code"] == "not_a_pptx"
    deck.write_bytes(deck_bytes)
    os.utime(deck, ns=(2 * 10**18, 2 * 10**18))
    [job_id] = _settle(drop, start=10.0)
    key = f"jobs/{job_id}/out/video.mp4"
    env.blobs.put_bytes(key, b"video")
    env.app.state.services.jobs.succeed(job_id, {"video.mp4": key}, 1.0)
    drop.scan(now=20.0)
    assert sorted(p.name for p in outgoing.iterdir()) == ["video.mp4"]


def test_given_an_unknown_tenant_folder_then_refused_and_case_is_normalised(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "intruso").mkdir(parents=True)
    (root / "ACME").mkdir()
    (root / "intruso" / "a.pptx").write_bytes(deck_bytes)
    (root / "ACME" / "b.pptx").write_bytes(deck_bytes)
    drop = _drop(env, root, "acme")
    [job_id] = _settle(drop)
    assert env.app.state.services.jobs.get(job_id).tenant == "acme"
    assert _jobs(env, "intruso") == []
    refusal = root / "intruso" / "outgoing" / "a" / "error.json"
    assert _error(refusal)["code"] == "unknown_tenant"
    assert drop.scan(now=10.0) == [] and drop.scan(now=20.0) == []  # refused once, not again


def test_given_a_redrop_with_a_changed_sidecar_then_it_renders_again(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "aula.pptx").write_bytes(deck_bytes)
    sidecar = root / "acme" / "aula.json"
    sidecar.write_text(json.dumps({"preset": "720p"}))
    drop = _drop(env, root, "acme")
    [first] = _settle(drop)
    sidecar.write_text(json.dumps({"preset": "square"}))
    os.utime(sidecar, ns=(3 * 10**18, 3 * 10**18))
    [second] = _settle(drop, start=10.0)
    jobs = env.app.state.services.jobs
    assert (jobs.get(first).options.preset, jobs.get(second).options.preset) == ("720p", "square")
    assert _settle(drop, start=20.0) == []


def test_given_a_linked_sidecar_then_the_deck_is_refused(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "aula.pptx").write_bytes(deck_bytes)
    outside = tmp_path / "options.json"
    outside.write_text("{}")
    (root / "acme" / "aula.json").symlink_to(outside)
    drop = _drop(env, root, "acme")
    assert _settle(drop) == []
    assert _error(root / "acme" / "outgoing" / "aula" / "error.json")["code"] == "invalid_options"
