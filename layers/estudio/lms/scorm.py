"""A SCORM 1.2 or 2004 package: the player, the video and its captions, the course data the
player reads (``course.js``), ``imsmanifest.xml`` and the control XSDs, zipped.

Pure apart from reading the given files and writing ``dest``: the pipeline stage fetches the
render's outputs into a scratch folder and calls ``build_scorm_package``.
"""

from __future__ import annotations

import html
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from estudio.lms.manifest import (
    SCHEMA_FILES,
    SCHEMAS,
    CourseEntry,
    ScormVersion,
    identifier_for,
    manifest_xml,
    validate_manifest,
)
from estudio.lms.quiz import Quiz, player_quiz

PLAYER = Path(__file__).with_name("player")
COMMIT_EVERY_S = 30
# Files of the SCO, in the order the manifest lists them.
SCO_FILES = (
    "index.html",
    "player.js",
    "sha256.js",
    "player.css",
    "course.js",
    "video.mp4",
    "subtitles.vtt",
    "poster.jpg",
)
CAPTION_LABELS = {"pt": "Português", "en": "English", "es": "Español", "fr": "Français"}


@dataclass(frozen=True)
class Chapter:
    title: str | None
    start_s: float


@dataclass(frozen=True)
class CourseSource:
    """A finished render, as the package needs it."""

    job_id: str
    title: str
    language: str  # BCP-47, the deck's (or the render's) language
    duration_s: float
    chapters: tuple[Chapter, ...]
    video: Path
    captions_vtt: Path
    poster: Path
    completion_percent: int = 90
    quiz: Quiz | None = None


def labels_for(language: str) -> str:
    """The player's wording: English for an English deck, Portuguese otherwise."""
    return "en" if language.lower().split("-")[0] == "en" else "pt"


def course_data(
    version: ScormVersion | None, source: CourseSource, salt: str | None = None
) -> dict[str, Any]:
    base = source.language.lower().split("-")[0]
    return {
        "scorm": version,
        "title": source.title,
        "language": source.language,
        "labels": labels_for(source.language),
        "duration_s": round(source.duration_s, 3),
        "completion_percent": source.completion_percent,
        "commit_every_s": COMMIT_EVERY_S,
        "chapters": [{"title": c.title, "start_s": round(c.start_s, 3)} for c in source.chapters],
        "captions_label": CAPTION_LABELS.get(base, source.language),
        # The same cues as subtitles.vtt, for browsers that refuse to load a track from file://.
        "captions_vtt": source.captions_vtt.read_text(encoding="utf-8"),
        "quiz": player_quiz(source.quiz, salt) if source.quiz else None,
    }


def course_js(data: dict[str, Any]) -> bytes:
    # ASCII only: safe in any page encoding an LMS frames it with.
    return f"window.ESTUDIO_COURSE = {json.dumps(data, ensure_ascii=True, indent=1)};\n".encode()


def index_html(source: CourseSource) -> bytes:
    template = Template((PLAYER / "index.html").read_text(encoding="utf-8"))
    base = source.language.lower().split("-")[0]
    return template.substitute(
        lang=html.escape(source.language, quote=True),
        title=html.escape(source.title, quote=True),
        captions_label=html.escape(CAPTION_LABELS.get(base, source.language), quote=True),
    ).encode()


def build_scorm_package(
    version: ScormVersion, source: CourseSource, dest: Path, salt: str | None = None
) -> Path:
    """Write the package zip at ``dest`` (via a temporary name) and return ``dest``."""
    entry = CourseEntry(
        identifier=identifier_for(source.job_id),
        title=source.title,
        files=SCO_FILES,
        completion_share=source.completion_percent / 100,
        pass_share=source.quiz.pass_percent / 100 if source.quiz else None,
    )
    manifest = manifest_xml(version, entry)
    validate_manifest(manifest, version)
    members: list[tuple[str, bytes | Path]] = [
        ("imsmanifest.xml", manifest),
        *((name, SCHEMAS / version / name) for name in SCHEMA_FILES[version]),
        ("index.html", index_html(source)),
        ("player.js", PLAYER / "player.js"),
        ("sha256.js", PLAYER / "sha256.js"),
        ("player.css", PLAYER / "player.css"),
        ("course.js", course_js(course_data(version, source, salt))),
        ("video.mp4", source.video),
        ("subtitles.vtt", source.captions_vtt),
        ("poster.jpg", source.poster),
    ]
    write_zip(dest, members)
    return dest


def write_zip(dest: Path, members: list[tuple[str, bytes | Path]]) -> None:
    """A zip written aside and renamed in; media stored as they are, text deflated."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            for name, content in members:
                compress = (
                    zipfile.ZIP_STORED
                    if name.endswith((".mp4", ".png", ".jpg"))
                    else zipfile.ZIP_DEFLATED
                )
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = compress
                info.external_attr = 0o644 << 16
                if isinstance(content, Path):
                    with content.open("rb") as source, archive.open(info, "w") as target:
                        while block := source.read(1 << 20):
                            target.write(block)
                else:
                    archive.writestr(info, content)
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
