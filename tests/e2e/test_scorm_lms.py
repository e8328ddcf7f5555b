"""The SCORM packages imported into a real SCORM runtime: ``scorm-again`` (pinned in
tests/browser/package.json, installed with ``npm ci``) hosts each package in a frame, as an LMS
does, in headless Chromium. The video is played through at 16x, the quiz answered wrong once and
right once, and the runtime's recorded values are checked."""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api.conftest import make_deck
from tests.integration.lms.rendering import QUIZ, render_with_packages

CHROMIUM = "/usr/bin/chromium"
BROWSER = Path(__file__).parents[1] / "browser"
RUNTIME = BROWSER / "node_modules" / "scorm-again" / "dist"
AXE = BROWSER / "node_modules" / "axe-core" / "axe.min.js"
WCAG = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}"
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("render")]
DECK = [
    ("Boas-vindas", "Olá! Este é um treinamento curto sobre segurança elétrica."),
    ("Bloqueio", "Antes de intervir, desenergize o circuito e bloqueie a chave."),
    ("Reciclagem", "A reciclagem do curso básico é feita a cada dois anos."),
]
RIGHT = [q["answer"] for q in QUIZ["questions"]]
# Wrong on the first two questions, right on the third: one of three, 33 %.
FIRST_TRY = [(RIGHT[0] + 1) % 3, (RIGHT[1] + 1) % 2, RIGHT[2]]


def timespan_s(value: str) -> float:
    """SCORM 1.2 CMITimespan (HHHH:MM:SS.SS) in seconds."""
    match = re.fullmatch(r"(\d{2,4}):(\d{2}):(\d{2}(?:\.\d{1,2})?)", value)
    assert match, value
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])


class _Ranged(SimpleHTTPRequestHandler):
    """A static server that answers byte ranges, as any LMS's does: without them a browser
    cannot seek in an MP4 (every seek snaps back to what it has)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not wanted or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        start = int(wanted[1])
        end = min(int(wanted[2]) if wanted[2] else size - 1, size - 1)
        if start >= size:
            self.send_error(416)
            return None
        handle = path.open("rb")
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._left = end - start + 1
        return handle

    def copyfile(self, source: Any, outputfile: Any) -> None:
        left = getattr(self, "_left", None)
        if left is None:
            super().copyfile(source, outputfile)
            return
        while left > 0 and (block := source.read(min(left, 1 << 16))):
            outputfile.write(block)
            left -= len(block)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The harness, the runtime and both packages unzipped, served over HTTP on 127.0.0.1."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    if not (RUNTIME / "scorm12.js").is_file() or not AXE.is_file():
        pytest.skip("the browser tests' npm packages are missing: make browser-deps")
    base = tmp_path_factory.mktemp("scorm-site")
    deck = base / "treino.pptx"
    deck.write_bytes(make_deck(DECK))
    out, _ = render_with_packages(base, deck)
    root = base / "site"
    runtime = root / "node_modules" / "scorm-again" / "dist"
    runtime.mkdir(parents=True)
    for name in ("scorm12.js", "scorm2004.js"):
        shutil.copy(RUNTIME / name, runtime / name)
    shutil.copy(BROWSER / "harness.html", root / "harness.html")
    for name in ("scorm12", "scorm2004", "storyboard"):
        with zipfile.ZipFile(out / f"{name}.zip") as archive:
            archive.extractall(root / name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Ranged, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", root
    server.shutdown()


@pytest.fixture(scope="module")
def browser(site: tuple[str, Path]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--autoplay-policy=no-user-gesture-required",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


class Course:
    """The harness page (the LMS) and the course frame in it."""

    def __init__(self, browser: Any, url: str, clock: bool = False) -> None:
        self.page = browser.new_page(viewport={"width": 1100, "height": 1200})
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        if clock:
            self.page.clock.install()
        self.page.goto(url)
        self.page.wait_for_function("document.getElementById('course').contentWindow.EstudioPlayer")
        self.frame = self.page.frames[1]
        self.frame.wait_for_function("document.getElementById('video').readyState >= 1")

    def js(self, expression: str) -> Any:
        return self.frame.evaluate(expression)

    def lms(self) -> dict[str, Any]:
        data: dict[str, Any] = self.page.evaluate("lmsData()")
        return data

    def calls(self) -> list[str]:
        return [c["call"] for c in self.page.evaluate("lmsCalls")]

    def play_to_end(self, from_share: float = 0.0) -> None:
        """Play at 16x from ``from_share`` of the video (0: the start) until it ends."""
        self.frame.evaluate(
            """(share) => {
                const video = document.getElementById('video');
                video.muted = true;
                video.playbackRate = 16;
                if (share) { video.currentTime = video.duration * share; }
                return video.play();
            }""",
            from_share,
        )
        self.frame.wait_for_function("document.getElementById('video').ended", timeout=60_000)

    def answer(self, choices: list[int]) -> str:
        for number, choice in enumerate(choices):
            self.frame.check(f'input[name="q{number}"][value="{choice}"]')
        self.frame.click("#quiz-submit")
        text: str = self.frame.locator("#quiz-result").inner_text()
        return text

    def close(self) -> None:
        self.page.evaluate("closeCourse()")
        self.page.wait_for_function(
            "lmsCalls.some(c => c.call === 'LMSFinish' || c.call === 'Terminate')"
        )

    def done(self) -> None:
        assert self.errors == []
        self.page.close()


def accessibility_violations(frame: Any) -> list[Any]:
    """axe-core's WCAG 2.1 A/AA findings for the page as it is now."""
    frame.add_script_tag(path=str(AXE))
    found: list[Any] = frame.evaluate(
        f"axe.run(document, {WCAG}).then(r => r.violations.map(v => [v.id, v.nodes.length]))"
    )
    return found


def harness(site: tuple[str, Path], version: str, **extra: str) -> str:
    from urllib.parse import urlencode

    query = urlencode({"version": version, "course": f"/{version}/index.html", **extra})
    return f"{site[0]}/harness.html?{query}"


def test_scorm12_completes_scores_passes_and_finishes(browser: Any, site: tuple[str, Path]) -> None:
    course = Course(browser, harness(site, "scorm12"))
    assert course.lms()["core"]["lesson_status"] == "incomplete"
    assert course.frame.locator("#quiz-locked").is_visible()
    duration = course.js("document.getElementById('video').duration")
    course.play_to_end()
    course.frame.wait_for_function("EstudioPlayer.state.completed")  # after the ended event
    assert course.js("EstudioPlayer.watchedShare()") >= 0.99
    assert course.lms()["core"]["lesson_status"] == "completed"
    assert course.frame.locator("#quiz-form").is_visible()
    assert accessibility_violations(course.frame) == []

    assert "1 de 3 (33%)" in course.answer(FIRST_TRY)
    core = course.lms()["core"]
    assert core["lesson_status"] == "failed"
    assert core["score"] == {"raw": "33", "min": "0", "max": "100"}
    course.frame.click("#quiz-retry")
    assert "Aprovado" in course.answer(RIGHT)
    assert not course.frame.locator("#quiz-retry").is_visible()

    course.close()
    data = course.lms()
    core = data["core"]
    assert core["lesson_status"] == "passed"
    assert core["score"] == {"raw": "100", "min": "0", "max": "100"}
    assert float(core["lesson_location"]) == pytest.approx(duration, abs=0.2)
    assert timespan_s(core["session_time"]) > 0
    assert core["exit"] == ""
    saved = json.loads(data["suspend_data"])
    assert saved["w"] == [[0, pytest.approx(duration, abs=0.2)]] and saved["p"] == 1
    journal = [data["interactions"][str(n)] for n in range(len(data["interactions"]))]
    assert [(i["id"], i["type"], i["result"]) for i in journal] == [
        ("q1", "choice", "wrong"),
        ("q2", "choice", "wrong"),
        ("q3", "choice", "correct"),
        ("q1", "choice", "correct"),
        ("q2", "choice", "correct"),
        ("q3", "choice", "correct"),
    ]
    assert [i["student_response"] for i in journal[3:]] == ["abcdefghij"[a] for a in RIGHT]
    calls = course.calls()
    assert calls[0] == "LMSInitialize" and calls[-2:] == ["LMSCommit", "LMSFinish"]
    course.done()


def test_scorm2004_reports_completion_progress_success_and_scaled_score(
    browser: Any, site: tuple[str, Path]
) -> None:
    course = Course(browser, harness(site, "scorm2004"))
    assert course.lms()["completion_status"] == "incomplete"
    course.play_to_end()
    course.frame.wait_for_function("EstudioPlayer.state.completed")
    assert course.lms()["completion_status"] == "completed"
    course.answer(FIRST_TRY)
    data = course.lms()
    assert data["success_status"] == "failed"
    assert float(data["score"]["scaled"]) == pytest.approx(0.33)
    course.frame.click("#quiz-retry")
    course.answer(RIGHT)
    course.close()
    data = course.lms()
    assert data["completion_status"] == "completed"
    assert data["success_status"] == "passed"
    assert float(data["score"]["scaled"]) == 1
    assert (data["score"]["raw"], data["score"]["min"], data["score"]["max"]) == ("100", "0", "100")
    assert float(data["progress_measure"]) >= 0.99
    assert float(data["location"]) > 0
    assert re.fullmatch(r"PT\d+H\d+M\d+(\.\d+)?S", data["session_time"])
    assert data["exit"] == "normal"
    journal = [data["interactions"][str(n)] for n in range(len(data["interactions"]))]
    assert [i["result"] for i in journal] == ["incorrect"] * 2 + ["correct"] * 4
    assert journal[0]["description"] == QUIZ["questions"][0]["text"]
    assert journal[3]["learner_response"] == f"choice_{RIGHT[0] + 1}"
    assert course.calls()[-2:] == ["Commit", "Terminate"]
    course.done()


def test_seeking_ahead_is_not_watching(browser: Any, site: tuple[str, Path]) -> None:
    course = Course(browser, harness(site, "scorm12"))
    course.play_to_end(from_share=0.5)
    course.frame.wait_for_function("document.getElementById('video').paused")
    share = course.js("EstudioPlayer.watchedShare()")
    assert 0.4 < share < 0.6
    assert course.lms()["core"]["lesson_status"] == "incomplete"
    assert course.frame.locator("#quiz-locked").is_visible()
    assert not course.frame.locator("#quiz-form").is_visible()
    course.close()
    core = course.lms()["core"]
    assert core["exit"] == "suspend"  # so the LMS resumes the attempt
    course.done()


def test_a_second_session_resumes_from_the_saved_location(
    browser: Any, site: tuple[str, Path]
) -> None:
    earlier = {
        "location": "4.0",
        "suspend_data": json.dumps({"w": [[0, 4.0]], "c": 0, "a": 0}),
        "completion_status": "incomplete",
    }
    course = Course(browser, harness(site, "scorm2004", resume=json.dumps(earlier)))
    course.frame.wait_for_function("document.getElementById('video').currentTime > 3.9")
    assert "Continuando de onde você parou (0:04)" in course.frame.locator("#status").inner_text()
    share = course.js("EstudioPlayer.watchedShare()")
    duration = course.js("document.getElementById('video').duration")
    assert share == pytest.approx(4.0 / duration, abs=0.01)  # the earlier session's 4 s count
    course.done()


def test_progress_is_committed_every_30_seconds_while_the_course_is_open(
    browser: Any, site: tuple[str, Path]
) -> None:
    course = Course(browser, harness(site, "scorm12"), clock=True)
    before = course.calls().count("LMSCommit")
    course.page.clock.run_for(30_500)
    after_one = course.calls().count("LMSCommit")
    course.page.clock.run_for(30_000)
    after_two = course.calls().count("LMSCommit")
    assert after_one == before + 1 and after_two == before + 2
    assert timespan_s(course.lms()["core"]["session_time"]) >= 60
    course.done()


def test_opened_from_disk_it_plays_with_captions_chapters_and_keyboard(
    browser: Any, site: tuple[str, Path]
) -> None:
    import hashlib

    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((site[1] / "scorm12" / "index.html").as_uri())
    page.wait_for_function("document.getElementById('video').readyState >= 1")
    assert "Sem LMS" in page.locator("#status").inner_text()
    assert accessibility_violations(page) == []
    # Chromium refuses file:// tracks; the same cues come from course.js instead.
    page.wait_for_function(
        "[...document.getElementById('video').textTracks].some(t => t.mode === 'showing'"
        " && t.cues && t.cues.length > 0)"
    )
    toggle = page.locator("#toggle-captions")
    assert toggle.get_attribute("aria-pressed") == "true" and "ligadas" in toggle.inner_text()
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    assert page.evaluate(
        "![...document.getElementById('video').textTracks].some(t => t.mode === 'showing')"
    )
    chapters = page.locator("#chapters button")
    assert chapters.count() == len(DECK)
    assert "Bloqueio" in chapters.nth(1).inner_text()
    chapters.nth(1).focus()
    page.keyboard.press("Enter")
    start = json.loads(
        (site[1] / "scorm12" / "course.js").read_text().split("= ", 1)[1].rstrip().rstrip(";")
    )["chapters"][1]["start_s"]
    page.wait_for_function(
        f"Math.abs(document.getElementById('video').currentTime - {start}) < 0.5"
    )
    page.wait_for_function(
        "document.querySelectorAll('#chapters button')[1].getAttribute('aria-current') === 'true'"
    )
    text = "NR-10: ação!\n0\n1\nDesenergizado"
    assert (
        page.evaluate("(t) => EstudioSha256(t)", text) == hashlib.sha256(text.encode()).hexdigest()
    )
    assert errors == []
    page.close()


def test_an_english_course_speaks_english(browser: Any, site: tuple[str, Path]) -> None:
    folder = site[1] / "scorm12-en"
    if not folder.exists():
        shutil.copytree(site[1] / "scorm12", folder)
        course_js = folder / "course.js"
        course_js.write_text(
            course_js.read_text().replace('"labels": "pt"', '"labels": "en"'), encoding="utf-8"
        )
    page = browser.new_page()
    page.goto(f"{site[0]}/harness.html?version=scorm12&course=/scorm12-en/index.html")
    frame = page.frame_locator("#course")
    assert frame.locator("#chapters-title").inner_text() == "Chapters"
    assert frame.locator("#toggle-captions").inner_text() == "Captions: on"
    assert "Watch 90% of the video" in frame.locator("#quiz-locked").inner_text()
    page.close()


def test_the_storyboard_opens_with_every_image_and_prints(
    browser: Any, site: tuple[str, Path]
) -> None:
    page = browser.new_page()
    page.goto((site[1] / "storyboard" / "storyboard.html").as_uri())
    page.wait_for_function("[...document.images].every(i => i.complete)")
    widths = page.evaluate("[...document.images].map(i => i.naturalWidth)")
    assert widths == [1280] * len(DECK)
    assert page.locator("article.scene h2").all_inner_texts()[1] == "Cena 2 — Bloqueio"
    assert accessibility_violations(page) == []
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    page.close()
