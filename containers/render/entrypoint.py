"""The render container's command line: ``render-scene --job-id ID --index N --options JSON``.

AWS Batch runs it with the command the state machine sets (``ContainerOverrides.Command``). It
checks the GPU (``nvidia-smi``, then a real NVENC probe through ``encoder_choice``) and logs the
encoder it picked and why, renders one scene with the same stage code the Lambdas run
(``render_scene_file``) against S3 and DynamoDB, and prints one JSON line with the result.
Helpers raise; only ``main()`` turns errors into exit codes: 0 done, 2 bad input (no retry will
help), 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from estudio.errors import EstudioError, InputError, InvalidOptions, ToolMissing
from estudio.models import JobId, RenderOptions
from estudio.observability import logger
from estudio.pipeline.context import StageContext

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USER_ERROR = 2
IMAGEIO_FFMPEG_PIN = "0.8.1"  # pyproject.toml; its ffmpeg's NVENC headers set the driver floor
NVENC_MIN_DRIVER = "610.00"  # what that ffmpeg's nvenc states (docs/deploy.md, "GPU hosts")


@dataclass(frozen=True)
class RenderSceneArgs:
    job_id: str
    index: int
    options: RenderOptions


@dataclass(frozen=True)
class Preflight:
    gpu: str | None  # the GPU nvidia-smi names, None without one
    encoder: str  # what this host encodes presenter scenes with: h264_nvenc or libx264
    reason: str = ""  # why that encoder (the probe's or the setting's words)
    driver: str | None = None  # the NVIDIA driver version nvidia-smi reports


class ArgumentError(InvalidOptions):
    """The command line itself is wrong."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits by default; we raise instead
        raise ArgumentError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="render", description="Render Estúdio scenes on a GPU host.")
    commands = parser.add_subparsers(dest="command", required=True)
    scene = commands.add_parser("render-scene", help="render one scene's video segment")
    scene.add_argument("--job-id", required=True)
    scene.add_argument("--index", required=True, type=int)
    scene.add_argument("--options", default="{}", help="RenderOptions as JSON")
    commands.add_parser("preflight", help="report the GPU and the encoder, render nothing")
    return parser


def parse_render_scene(values: argparse.Namespace) -> RenderSceneArgs:
    try:
        job_id = TypeAdapter(JobId).validate_python(values.job_id)
        options = RenderOptions.model_validate(json.loads(values.options))
    except (ValidationError, ValueError) as error:
        raise ArgumentError(f"invalid arguments: {error}") from error
    if values.index < 0:
        raise ArgumentError("--index must be 0 or more")
    return RenderSceneArgs(job_id=job_id, index=values.index, options=options)


def gpu_info(which: Callable[[str], str | None] = shutil.which) -> tuple[str | None, str | None]:
    """(name, driver version) of the first GPU from ``nvidia-smi``; (None, None) without one."""
    exe = which("nvidia-smi")
    if exe is None:
        return None, None
    try:
        result = subprocess.run(
            [exe, "--query-gpu=name,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        logger.warning("nvidia-smi failed", error=type(error).__name__)
        return None, None
    first = result.stdout.strip().splitlines()
    if not first:
        return None, None
    name, _, driver = first[0].partition(",")
    return name.strip() or None, driver.strip() or None


def preflight(
    ffmpeg_override: str | None,
    preference: str,
    which: Callable[[str], str | None] = shutil.which,
) -> Preflight:
    """Which encoder this host uses and why, logged once: a real NVENC probe encode decides."""
    from estudio.media.ffmpeg import encoder_choice, ffmpeg_exe

    ffmpeg = ffmpeg_exe(ffmpeg_override)
    gpu, driver = gpu_info(which)
    choice = encoder_choice(ffmpeg, preference)
    reason = choice.reason
    if gpu is None and choice.encoder != "h264_nvenc":
        reason = f"no GPU visible (nvidia-smi); {reason}"
    if gpu and choice.encoder != "h264_nvenc":
        logger.warning(
            "gpu present but nvenc unusable: check NVIDIA_DRIVER_CAPABILITIES (video) and the "
            f"driver (imageio-ffmpeg {IMAGEIO_FFMPEG_PIN} needs {NVENC_MIN_DRIVER} or newer)",
            gpu=gpu,
            driver=driver,
            reason=reason,
        )
    logger.info("preflight", gpu=gpu, driver=driver, encoder=choice.encoder, reason=reason)
    return Preflight(gpu=gpu, encoder=choice.encoder, reason=reason, driver=driver)


def render_scene(ctx: StageContext, args: RenderSceneArgs) -> dict[str, Any]:
    from estudio.pipeline.stages import render_scene_file

    found = preflight(ctx.settings.ffmpeg, ctx.settings.encoder)
    # The manifest says where each scene rendered: this host's GPU, or the CPU fallback queue.
    host = "gpu" if found.gpu else "cpu"
    ctx.settings = ctx.settings.model_copy(update={"encoder": found.encoder, "render_host": host})
    result = render_scene_file(ctx, args.job_id, args.index, args.options.model_dump(mode="json"))
    # ``encoder`` is what the segment was encoded with (the plan may name one for still scenes).
    return {"encoder": found.encoder, **result, "gpu": found.gpu}


def _record_refusal(ctx: StageContext, job_id: str, error: EstudioError) -> None:
    """An input no retry will fix: the job gets its exact code now (Step Functions sees only
    the exit code; the fail stage then leaves a job that is already failed alone)."""
    try:
        ctx.jobs.fail(job_id, error.code, error.message.splitlines()[0][:500])
    except EstudioError as recording:
        logger.warning("could not record the refusal on the job", error=type(recording).__name__)


def _cloud_context() -> StageContext:
    from estudio.adapters.aws.context import build_stage_context

    return build_stage_context()


def main(
    argv: Sequence[str] | None = None,
    context_factory: Callable[[], StageContext] = _cloud_context,
) -> int:
    try:
        values = build_parser().parse_args(argv)
        if values.command == "preflight":
            from estudio.settings import get_settings

            settings = get_settings()
            found = preflight(settings.ffmpeg, settings.encoder)
            print(json.dumps(asdict(found)))
            return EXIT_OK
        args = parse_render_scene(values)
        logger.append_keys(job_id=args.job_id, scene=args.index)
        ctx = context_factory()
        try:
            result = render_scene(ctx, args)
        except EstudioError as error:
            if isinstance(error, InputError):
                _record_refusal(ctx, args.job_id, error)
            raise
    except EstudioError as error:
        logger.error(
            "render failed", error=type(error).__name__, code=error.code, reason=error.message[:500]
        )
        print(json.dumps({"error": error.to_dict()}), file=sys.stdout)
        return (
            EXIT_USER_ERROR
            if error.user_error and not isinstance(error, ToolMissing)
            else EXIT_FAILED
        )
    print(json.dumps(result))
    logger.info("scene rendered", reused=result.get("reused"), encoder=result.get("encoder"))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
