"""The drop folder in-process: settle before taking, sidecar options, one render per content,
outputs copied to ``outgoing/name/`` when the render is done, errors as ``error.json``."""

from __future__ import annotations

import json
from pathlib import Path

from estudio.api.keys import create_key
from estudio.dropbox import DropFolder
from tests.integration.api.conftest import Env


def _folder(env: Env, root: Path) -> DropFolder:
    if not env.items.list("apikey", "acme")[0]:
        create_key(env.items, "acme")  # a drop-folder tenant must exist
    return DropFolder(root, env.app.state.services, settle_s=2.0)


def test_given_a_dropped_deck_when_it_settles_then_one_render_starts_with_sidecar_options(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "acme" / "rh").mkdir(parents=True)
    (root / "acme" / "rh" / "aula.pptx").write_bytes(deck_bytes)
    (root / "acme" / "rh" / "aula.json").write_text(json.dumps({"preset": "square"}))
    drop = _folder(env, root)
    assert drop.scan(now=100.0) == []  # first sight: size noted
    assert drop.scan(now=101.0) == []  # not settled yet
    [job_id] = drop.scan(now=103.0)
    job = env.app.state.services.jobs.get(job_id)
    assert job.tenant == "acme" and job.options.preset == "square"
    assert job.source_name == "aula.pptx"
    (root / "acme" / "rh" / "copia.pptx").write_bytes(deck_bytes)  # same request, new name
    (root / "acme" / "rh" / "copia.json").write_text(json.dumps({"preset": "square"}))
    assert drop.scan(now=110.0) == [] and drop.scan(now=113.0) == []
    restarted = _folder(env, root)  # a restart: the store remembers what was taken
    assert restarted.scan(now=200.0) == [] and restarted.scan(now=203.0) == []
    assert len(env.items.list("job", "acme")[0]) == 1


def test_given_a_finished_render_when_scanned_then_outputs_land_in_outgoing(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "curso.pptx").write_bytes(deck_bytes)
    drop = _folder(env, root)
    drop.scan(now=0.0)
    [job_id] = drop.scan(now=5.0)
    key = f"jobs/{job_id}/out/subtitles.vtt"
    env.blobs.put_bytes(key, b"WEBVTT\n")
    env.app.state.services.jobs.succeed(job_id, {"subtitles.vtt": key}, 2.0)
    drop.scan(now=6.0)
    assert (root / "acme" / "outgoing" / "curso" / "subtitles.vtt").read_bytes() == b"WEBVTT\n"
    # Outgoing files are never taken as new input.
    (root / "acme" / "outgoing" / "curso" / "x.pptx").write_bytes(deck_bytes + b"\0")
    assert drop.scan(now=7.0) == [] and drop.scan(now=20.0) == []


def test_given_a_bad_sidecar_when_dropped_then_error_json_and_no_render(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "ruim.pptx").write_bytes(deck_bytes)
    (root / "acme" / "ruim.json").write_text(json.dumps({"preset": "8k"}))
    drop = _folder(env, root)
    drop.scan(now=0.0)
    assert drop.scan(now=5.0) == []
    error = json.loads((root / "acme" / "outgoing" / "ruim" / "error.json").read_text())
    assert error["code"] == "invalid_options"
    assert env.items.list("job", "acme")[0] == []
