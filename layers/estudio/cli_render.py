"""``estudio render``: one deck rendered on this machine, with progress bars, into a folder
(and each further language into ``OUT/<lang>/``); its summary printed for a person."""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from estudio.cli_common import settings_from
from estudio.errors import DeckTooLarge, InvalidOptions, InvalidPhoto, NotAPptx
from estudio.models import OUTPUT_FILES, RenderOptions

STAGE_LABELS = {
    "parse": "Reading deck",
    "rasterize": "Slide images",
    "speak": "Voice",
    "plan": "Timing",
    "render": "Video scenes",
    "narrate": "Narration track",
    "assemble": "Assembling",
    "publish": "Captions & manifest",
    "package": "LMS packages",
}


BAR = "{desc} {bar} {n_fmt}/{total_fmt} [{elapsed}]"
STARTED = "{desc} … [{elapsed}]"  # until the stage knows how much work it has


class ProgressBars:
    """One bar per stage on a terminal; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bars: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        with self._lock:
            bar = self._bars.get(stage)
            if bar is None:
                bar = tqdm(
                    total=total or None,
                    desc=f"{STAGE_LABELS.get(stage, stage):<20}",
                    unit="step",
                    leave=True,
                    file=sys.stderr,
                    dynamic_ncols=True,
                    bar_format=BAR if total > 0 else STARTED,
                )
                self._bars[stage] = bar
            if total <= 0 or bar.disable:
                return  # a stage announcing its start, or a finished bar (it stays as it ended)
            bar.bar_format = BAR
            bar.total = total
            bar.n = min(done, total)
            bar.refresh()
            if bar.n >= bar.total:
                bar.close()

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


def _new_job_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def cmd_render(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.local import local_context

    settings = settings_from(args)
    deck = Path(args.deck)
    if not deck.is_file():
        raise NotAPptx(f"{deck}: no such file")
    if deck.stat().st_size > settings.limits.max_deck_bytes:
        raise DeckTooLarge(
            f"{deck.name} is {deck.stat().st_size // 2**20} MB; the limit is "
            f"{settings.limits.max_deck_bytes // 2**20} MB"
        )
    if not 1 <= args.completion_percent <= 100:
        raise InvalidOptions(f"--completion-percent must be 1-100, not {args.completion_percent}")
    languages = _languages(args.languages)
    if args.translate_slides and not languages:
        raise InvalidOptions("--translate-slides goes with --languages (e.g. pt-BR,en)")
    if not 0.5 <= args.silent_seconds <= 60:
        raise InvalidOptions("--silent-seconds must be between 0.5 and 60")
    options = RenderOptions(
        voice=args.voice,
        preset=args.preset,
        subtitles=args.subtitles,
        avatar=args.avatar,
        avatar_layout=args.avatar_layout,
        transition=args.transition,
        language=languages[0] if languages else args.language,
        script=args.script,
        translate=bool(languages),
        translate_slides=args.translate_slides,
        packages=_packages(args.package),
        completion_percent=args.completion_percent,
        builds=args.builds,
        silent_scene_s=args.silent_seconds,
    )
    _check_avatar(options.avatar)
    glossary = _read_glossary(args.glossary)
    quiz = _read_quiz(args.quiz, options)
    bars = ProgressBars(enabled=not args.json and sys.stderr.isatty())
    ctx = local_context(settings, on_progress=bars)
    if args.brand:  # validated, its assets stored by content hash, then carried in the options
        from estudio.brand.ingest import ingest_brand_file
        from estudio.media.ffmpeg import ffmpeg_exe

        kit = ingest_brand_file(Path(args.brand), ctx.blobs, ffmpeg_exe(settings.ffmpeg))
        options = options.model_copy(update={"brand": kit})
    if len(languages) > 1 and ctx.writers.llm is None:
        from estudio.errors import WriterUnavailable

        raise WriterUnavailable(
            "--languages needs an LLM writer to translate the scripts: set ESTUDIO_LLM_BASE_URL "
            "and ESTUDIO_LLM_MODEL, or ESTUDIO_BEDROCK_MODEL_ID"
        )
    out = Path(args.out)
    try:
        result = _render_one(ctx, deck, options, glossary, quiz, out, args.keep_intermediates)
        if languages:
            result["languages"] = {languages[0]: str(out)}
        for language in languages[1:]:  # each further language in DIR/<lang>/, its own voice
            other = options.model_copy(update={"language": language, "voice": None})
            done = _render_one(
                ctx, deck, other, glossary, quiz, out / language, args.keep_intermediates
            )
            result["languages"][language] = done["out"]
            result["wall_s"] = round(result["wall_s"] + done["wall_s"], 2)
    finally:
        bars.close()
    return result


def _languages(value: str | None) -> list[str]:
    if not value:
        return []
    languages = list(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    for language in languages:
        if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", language):
            raise InvalidOptions(f"--languages: {language!r} is not a language tag (pt-BR, en, es)")
    return languages


def _render_one(
    ctx: Any,
    deck: Path,
    options: RenderOptions,
    glossary: Any,
    quiz: Any,
    out: Path,
    keep: bool,
) -> dict[str, Any]:
    from estudio.pipeline import keys
    from estudio.pipeline.runner import run_job

    job_id = _new_job_id()
    deck_key = keys.deck(job_id)
    ctx.blobs.put_file(deck_key, deck)
    if quiz is not None:
        ctx.blobs.put_bytes(keys.quiz(job_id), quiz.model_dump_json().encode(), "application/json")
    ctx.jobs.create(job_id, "local", deck_key, deck.name, options)
    started = time.perf_counter()
    run_job(
        ctx,
        {
            "job_id": job_id,
            "deck_key": deck_key,
            "options": options.model_dump(mode="json"),
            "glossary": [entry.model_dump() for entry in glossary.entries],
        },
    )
    names = output_names(options)
    _publish_outputs(ctx, job_id, out, names)
    if not keep:
        for key in ctx.blobs.list(keys.job_prefix(job_id)):
            ctx.blobs.delete(key)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {
        "job_id": job_id,
        "out": str(out),
        "outputs": {name: str(out / name) for name in names},
        "duration_s": manifest["duration_s"],
        "width": manifest["width"],
        "height": manifest["height"],
        "scenes": len(manifest["scenes"]),
        "language": manifest["language"],
        "voices": sorted({s["voice"] for s in manifest["scenes"]}),
        "encoder": manifest["encoder"],
        "wall_s": round(time.perf_counter() - started, 2),
        "stage_seconds": manifest["stage_seconds"],
        **({"loudness": manifest["loudness"]} if manifest.get("loudness") else {}),
        "source_format": manifest.get("source_format", "pptx"),
        "build_steps": sum(len(s.get("step_times_s", [])) for s in manifest["scenes"]),
        "warnings": _actionable_warnings(manifest),
    }


# Scene warnings a user can act on, shown in the summary (all of them are in the manifest).
ACTIONABLE = ("media:", "empty:", "fonts:")


def _actionable_warnings(manifest: dict[str, Any]) -> list[str]:
    out = [str(w) for w in manifest.get("warnings", [])]
    for scene in manifest["scenes"]:
        for warning in scene.get("warnings", []):
            if str(warning).startswith(ACTIONABLE):
                out.append(f"slide {scene['slide_number']}: {warning}")
    return out


def output_names(options: RenderOptions) -> tuple[str, ...]:
    """The files a render leaves in ``--out``: the video's, then one zip per package."""
    return (*OUTPUT_FILES, *(f"{kind}.zip" for kind in options.packages))


def _packages(values: list[str] | None) -> tuple[Any, ...]:
    """``--package scorm12,storyboard --package scorm2004`` → each kind once."""
    from estudio.models import PACKAGE_KINDS

    kinds = [v.strip() for value in values or [] for v in value.split(",") if v.strip()]
    for kind in kinds:
        if kind not in PACKAGE_KINDS:
            raise InvalidOptions(f"unknown package {kind!r}: use {', '.join(PACKAGE_KINDS)}")
    return tuple(kinds)


def _read_quiz(path: str | None, options: RenderOptions) -> Any:
    if path is None:
        return None
    from estudio.errors import InvalidQuiz
    from estudio.lms.quiz import parse_quiz

    file = Path(path)
    if not file.is_file():
        raise InvalidQuiz(f"no such quiz file: {file}")
    if not {"scorm12", "scorm2004"} & set(options.packages):
        raise InvalidOptions("--quiz needs --package scorm12 or scorm2004: the quiz runs there")
    return parse_quiz(file.read_bytes(), file.name)


def _read_glossary(path: str | None) -> Any:
    from estudio.speech.glossary import Glossary

    if path is None:
        return Glossary()
    file = Path(path)
    if not file.is_file():
        raise InvalidOptions(f"no such glossary file: {file}")
    return Glossary.load(file)


def _check_avatar(avatar: str | None) -> None:
    """Refuse an unknown presenter before any work is done."""
    if avatar is None:
        return
    from estudio.avatar.photo_source import is_photo_avatar, photo_path

    if is_photo_avatar(avatar):
        if not photo_path(avatar).is_file():
            raise InvalidPhoto(f"no such photo: {photo_path(avatar)}")
        return
    from estudio.avatar.catalog import get_avatar

    get_avatar(avatar)


def _publish_outputs(ctx: Any, job_id: str, out: Path, names: Sequence[str]) -> None:
    """Copy the outputs next to each other, then move them in at once (manifest last): a reader
    never finds a half-written file, and a failed copy leaves the old outputs untouched."""
    from estudio.pipeline import keys

    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".estudio-", dir=out))
    try:
        for name in names:
            ctx.blobs.get_file(keys.output(job_id, name), staging / name)
        for name in sorted(names, key=lambda n: n == "manifest.json"):
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def print_render_summary(result: dict[str, Any]) -> None:
    print(
        f"Rendered {result['scenes']} scenes, {result['duration_s']:.1f} s of video "
        f"({result['width']}x{result['height']}, {result['encoder']}) in {result['wall_s']:.1f} s"
    )
    for name, path in result["outputs"].items():
        print(f"  {name:<15} {path}")
    for language, folder in result.get("languages", {}).items():
        print(f"  {language:<15} {folder}")
    if result.get("source_format", "pptx") != "pptx":
        print(f"Read from a {result['source_format']} file")
    if result.get("build_steps"):
        print(f"Build steps: {result['build_steps']} slide changes timed to the narration")
    warnings = result.get("warnings", [])
    for warning in warnings[:20]:
        print(f"  warning: {warning}")
    if len(warnings) > 20:
        print(f"  … {len(warnings) - 20} more warnings in manifest.json")
