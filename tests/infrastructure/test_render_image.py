"""The Batch render image, read statically (no docker engine here): what a GPU host needs for
NVENC and nothing it does not (docs/adr/0007)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "containers" / "render" / "Dockerfile"


def _render_stage() -> str:
    text = DOCKERFILE.read_text(encoding="utf-8")
    start = text.index(" AS render")
    end = text.index("\nFROM ", start)
    return text[start:end]


def test_given_the_render_image_then_the_driver_exposes_nvenc_to_ffmpeg() -> None:
    stage = _render_stage()

    capabilities = re.search(r"NVIDIA_DRIVER_CAPABILITIES=([\w,]+)", stage)
    assert capabilities is not None
    # compute: libcuda.so.1 (NVENC's device context); video: libnvidia-encode.so.1
    assert {"compute", "video"} <= set(capabilities.group(1).split(","))
    assert "NVIDIA_VISIBLE_DEVICES=all" in stage


def test_given_the_render_image_then_it_ships_no_torch_and_no_cuda_toolkit() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    install = [line for line in _render_stage().splitlines() if "install" in line]

    assert "FROM ubuntu:24.04 AS render" in text  # the host's driver brings libcuda and NVENC
    assert "nvidia/cuda" not in text
    assert install and not any("torch" in line or "cuda" in line for line in install)


def test_given_the_render_image_then_it_runs_the_preflight_as_its_user_before_shipping() -> None:
    stage = _render_stage()

    assert stage.index("USER 1000:1000") < stage.index("RUN python3 /app/entrypoint.py preflight")
    assert 'pip install --no-cache-dir ".[cloud]"' in stage  # the pinned imageio-ffmpeg with it
