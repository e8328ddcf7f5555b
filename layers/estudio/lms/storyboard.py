"""The storyboard: the review copy a client signs off. One PNG per scene (the slide as rendered,
the presenter in it when there is one), ``storyboard.json`` and a printable ``storyboard.html``
contact sheet, zipped."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from estudio.lms.scorm import labels_for, write_zip

STORYBOARD_LABELS = {
    "pt": {
        "heading": "Roteiro para aprovação",
        "scene": "Cena",
        "slide": "slide",
        "silent": "(sem narração)",
        "scenes": "cenas",
        "duration": "duração",
        "approved_by": "Aprovado por",
        "date": "Data",
        "signature": "Assinatura",
    },
    "en": {
        "heading": "Storyboard for sign-off",
        "scene": "Scene",
        "slide": "slide",
        "silent": "(no narration)",
        "scenes": "scenes",
        "duration": "duration",
        "approved_by": "Approved by",
        "date": "Date",
        "signature": "Signature",
    },
}


@dataclass(frozen=True)
class StoryScene:
    index: int
    slide_number: int
    title: str | None
    script: str
    start_s: float
    end_s: float
    image: Path  # a PNG of the scene


def image_name(index: int) -> str:
    return f"scene-{index + 1:03d}.png"


def _clock(seconds: float) -> str:
    whole = int(seconds)  # like the player: a time shown is a time reached
    return f"{whole // 60}:{whole % 60:02d}"


def storyboard_json(
    title: str, language: str, duration_s: float, scenes: list[StoryScene]
) -> bytes:
    data = {
        "title": title,
        "language": language,
        "duration_s": round(duration_s, 3),
        "scenes": [
            {
                "index": s.index,
                "slide_number": s.slide_number,
                "title": s.title,
                "script": s.script,
                "start_s": round(s.start_s, 3),
                "end_s": round(s.end_s, 3),
                "image": image_name(s.index),
            }
            for s in scenes
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def storyboard_html(
    title: str, language: str, duration_s: float, scenes: list[StoryScene]
) -> bytes:
    words = STORYBOARD_LABELS[labels_for(language)]
    e = html.escape
    cards = []
    for s in scenes:
        heading = f"{words['scene']} {s.index + 1}" + (f" — {e(s.title)}" if s.title else "")
        script = (
            "".join(f"<p>{e(p)}</p>" for p in s.script.split("\n") if p.strip())
            or f'<p class="silent">{words["silent"]}</p>'
        )
        cards.append(
            f'<article class="scene" id="scene-{s.index + 1}">'
            f'<img src="{image_name(s.index)}" alt="{e(heading, quote=True)}">'
            f'<div class="text"><h2>{heading}</h2>'
            f'<p class="meta">{words["slide"]} {s.slide_number} · '
            f"{_clock(s.start_s)}–{_clock(s.end_s)}</p>{script}</div></article>"
        )
    page = f"""<!doctype html>
<html lang="{e(language, quote=True)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} — {words["heading"]}</title>
<style>
body {{ font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1f24;
  margin: 1.5rem; }}
h1 {{ font-size: 1.4rem; margin: 0; }}
.summary {{ color: #57606a; margin: 0.25rem 0 1rem; }}
.scene {{ display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 1rem;
  border-top: 1px solid #d0d7de; padding: 0.75rem 0; break-inside: avoid; }}
.scene img {{ width: 100%; height: auto; border: 1px solid #d0d7de; }}
.scene h2 {{ font-size: 1rem; margin: 0 0 0.25rem; }}
.meta {{ color: #57606a; margin: 0 0 0.5rem; font-variant-numeric: tabular-nums; }}
.silent {{ color: #57606a; font-style: italic; }}
.signoff {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 2rem; margin-top: 2rem;
  break-inside: avoid; }}
.signoff div {{ border-top: 1px solid #1b1f24; padding-top: 0.25rem; color: #57606a; }}
@page {{ margin: 12mm; }}
@media print {{ body {{ margin: 0; }} }}
</style>
</head>
<body>
<header>
<h1>{e(title)}</h1>
<p class="summary">{words["heading"]} · {len(scenes)} {words["scenes"]} · {words["duration"]}
{_clock(duration_s)}</p>
</header>
<main>
{"".join(cards)}
</main>
<footer class="signoff">
<div>{words["approved_by"]}</div><div>{words["date"]}</div><div>{words["signature"]}</div>
</footer>
</body>
</html>
"""
    return page.encode()


def build_storyboard(
    title: str, language: str, duration_s: float, scenes: list[StoryScene], dest: Path
) -> Path:
    members: list[tuple[str, bytes | Path]] = [
        ("storyboard.html", storyboard_html(title, language, duration_s, scenes)),
        ("storyboard.json", storyboard_json(title, language, duration_s, scenes)),
        *((image_name(s.index), s.image) for s in scenes),
    ]
    write_zip(dest, members)
    return dest
