"""What the player and the storyboard are given: wording by language, text always escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from estudio.lms.scorm import Chapter, CourseSource, course_data, course_js, index_html, labels_for
from estudio.lms.storyboard import StoryScene, image_name, storyboard_html, storyboard_json

TITLE = 'NR-10 <script>alert("x")</script> & mais'


def source(tmp_path: Path, language: str = "pt-BR") -> CourseSource:
    vtt = tmp_path / "subtitles.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nOlá, ação!\n", encoding="utf-8")
    return CourseSource(
        job_id="job-1",
        title=TITLE,
        language=language,
        duration_s=12.3456,
        chapters=(Chapter("Abertura", 0.0), Chapter(None, 6.5)),
        video=tmp_path / "video.mp4",
        captions_vtt=vtt,
        poster=tmp_path / "poster.jpg",
    )


@pytest.mark.parametrize(
    ("language", "labels"), [("pt-BR", "pt"), ("en", "en"), ("en-GB", "en"), ("es", "pt")]
)
def test_given_a_language_then_the_player_speaks_portuguese_unless_english(
    language: str, labels: str
) -> None:
    assert labels_for(language) == labels


def test_given_a_title_with_markup_then_the_page_escapes_it(tmp_path: Path) -> None:
    page = index_html(source(tmp_path)).decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; mais" in page
    assert 'srclang="pt-BR"' in page and 'label="Português"' in page


def test_given_a_course_then_course_js_is_ascii_and_carries_chapters_and_captions(
    tmp_path: Path,
) -> None:
    data = course_data("scorm12", source(tmp_path, "en"))
    script = course_js(data)
    script.decode("ascii")  # any page encoding an LMS uses reads it the same
    loaded = json.loads(script.decode().split("= ", 1)[1].rstrip().rstrip(";"))
    assert loaded["labels"] == "en" and loaded["captions_label"] == "English"
    assert loaded["chapters"] == [
        {"title": "Abertura", "start_s": 0.0},
        {"title": None, "start_s": 6.5},
    ]
    assert "Olá, ação!" in loaded["captions_vtt"]
    assert loaded["quiz"] is None and loaded["duration_s"] == 12.346


def test_given_scenes_then_the_storyboard_escapes_scripts_and_names_each_image(
    tmp_path: Path,
) -> None:
    scenes = [
        StoryScene(0, 1, "Abertura", "Use <b>EPI</b>\nSempre.", 0.0, 6.5, tmp_path / "a.png"),
        StoryScene(1, 3, None, "", 6.5, 12.3, tmp_path / "b.png"),
    ]
    page = storyboard_html(TITLE, "pt-BR", 12.3, scenes).decode()
    assert "<b>EPI</b>" not in page and "&lt;b&gt;EPI&lt;/b&gt;" in page
    assert "(sem narração)" in page and "slide 3" in page and "0:06–0:12" in page
    board = json.loads(storyboard_json(TITLE, "pt-BR", 12.3, scenes))
    assert [s["image"] for s in board["scenes"]] == [image_name(0), image_name(1)]
    assert board["scenes"][1]["slide_number"] == 3
    english = storyboard_html(TITLE, "en", 12.3, scenes).decode()
    assert "Approved by" in english and "(no narration)" in english
