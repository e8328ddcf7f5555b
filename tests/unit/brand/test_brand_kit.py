"""The brand file, its validation, the pictures it draws and the plan it changes."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from estudio.avatar.render import presenter_box
from estudio.brand import compose
from estudio.brand.captions import restyle_ass, style_line, vtt_with_position
from estudio.brand.ingest import (
    check_font,
    installed_font_file,
    logo_png,
    parse_brand,
    store_assets,
)
from estudio.brand.model import BrandKit, CaptionStyle, Logo
from estudio.brand.music import duck_gain, fades, fit_length, preset_bed, speech_spans
from estudio.brand.stage_parts import add_cards
from estudio.errors import InvalidBrandAsset
from estudio.models import Chapter, Deck, Plan, Scene, ScenePlan, Speech

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
ISSUE_EXAMPLE = {
    "logo": {"path": "logo.png", "corner": "top-right", "width": 0.12, "margin": 0.03},
    "intro": {
        "card": {
            "title": "NR-10 Básico",
            "subtitle": "Treinamento obrigatório",
            "say": "Bem-vindo ao treinamento.",
        }
    },
    "outro": {"card": {"title": "Obrigado!", "say": "Até a próxima."}},
    "colors": {"primary": "#0B3D91", "text": "#FFFFFF"},
    "captions": {"color": "#FFFFFF", "box": "#0B3D91", "position": "bottom"},
    "music": {"path": "bed.wav", "level_lufs": -22, "duck_db": 10},
    "template": "corporate",
}
MAGENTA = (255, 0, 255, 255)


def _png(size: tuple[int, int], color: tuple[int, int, int, int], fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    img = Image.new("RGBA", size, color)
    (img.convert("RGB") if fmt == "JPEG" else img).save(out, format=fmt)
    return out.getvalue()


# --- the file ------------------------------------------------------------------------------------
def test_the_issue_example_parses_with_its_defaults() -> None:
    # Given the brand file of the issue
    # When it is parsed
    kit = parse_brand(json.dumps(ISSUE_EXAMPLE).encode())
    # Then every part is there, and what it leaves out takes its default
    assert kit.logo is not None and kit.logo.corner == "top-right"
    assert kit.intro is not None and kit.intro.card is not None
    assert kit.intro.card.duration_s == 4.0
    assert kit.music is not None and kit.music.level_lufs == -22 and kit.music.duck_db == 10
    assert kit.template == "corporate" and kit.captions is not None
    assert parse_brand(b"{}") == BrandKit()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"not json", "not valid JSON"),
        (b"[1]", "JSON object"),
        (b'{"logo": {"path": "l.png", "corner": "middle"}}', "logo.corner"),
        (b'{"colors": {"primary": "blue"}}', "colors.primary"),
        (b'{"intro": {"card": {"duration_s": 9}}}', "intro.card.duration_s"),
        (b'{"music": {"path": "a.wav", "preset": "calm"}}', "music"),
        (b'{"template": "baroque"}', "template"),
        (b'{"sound": 1}', "sound"),
    ],
)
def test_a_malformed_brand_file_is_refused_in_one_line(body: bytes, where: str) -> None:
    # Given a brand file with one thing wrong / When parsed / Then one line says where
    with pytest.raises(InvalidBrandAsset) as caught:
        parse_brand(body)
    assert caught.value.code == "invalid_brand_asset"
    assert where in caught.value.message and "\n" not in caught.value.message


# --- assets --------------------------------------------------------------------------------------
def test_a_png_logo_keeps_its_transparency() -> None:
    raw = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    raw.paste(Image.new("RGBA", (100, 50), MAGENTA), (50, 25))
    out = io.BytesIO()
    raw.save(out, format="PNG")
    # When validated
    with Image.open(io.BytesIO(logo_png(out.getvalue(), "logo.png", FFMPEG))) as img:
        # Then it stays RGBA with its clear border
        pixels = np.asarray(img)
        assert img.mode == "RGBA" and pixels[0, 0, 3] == 0
        assert tuple(pixels[50, 100]) == MAGENTA


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (_png((200, 100), (255, 0, 0, 255), "JPEG"), "must be PNG or SVG"),
        (_png((8, 8), MAGENTA), "px"),
        (_png((5000, 100), MAGENTA), "px"),
        (_png((100, 100), (0, 0, 0, 0)), "fully transparent"),
        (b"\x89PNG\r\n\x1a\nnot really", "not a readable image"),
    ],
)
def test_a_bad_logo_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(InvalidBrandAsset, match=why):
        logo_png(data, "logo.png", FFMPEG)


def test_an_svg_logo_is_rasterised_with_its_transparency() -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
        b'<rect x="50" y="25" width="100" height="50" fill="#ff00ff"/></svg>'
    )
    try:
        png = logo_png(svg, "logo.svg", FFMPEG)
    except InvalidBrandAsset:
        pytest.skip("this ffmpeg has no SVG decoder")
    with Image.open(io.BytesIO(png)) as img:
        assert img.mode == "RGBA" and img.width == 1024
        pixels = np.asarray(img)
        assert pixels[2, 2, 3] == 0 and tuple(pixels[256, 512, :3]) == (255, 0, 255)


def test_a_font_must_actually_load() -> None:
    # Given an installed family and a file that only pretends to be a font
    try:
        real = installed_font_file("DejaVu Sans")
    except InvalidBrandAsset:
        pytest.skip("DejaVu Sans is not installed")
    assert check_font(real.read_bytes(), "DejaVu Sans") == "DejaVu Sans"
    with pytest.raises(InvalidBrandAsset, match="does not load"):
        check_font(b"\x00\x01\x00\x00 garbage", "fake.ttf")
    with pytest.raises(InvalidBrandAsset, match="not an installed font family"):
        installed_font_file("No Such Family Zzqx")


def test_assets_are_stored_by_content_hash_and_bad_music_is_refused(tmp_path: Path) -> None:
    from estudio.adapters.local.blobs import FolderBlobStore

    blobs = FolderBlobStore(tmp_path / "blobs")
    (tmp_path / "logo.png").write_bytes(_png((64, 32), MAGENTA))
    kit = parse_brand(b'{"logo": {"path": "logo.png"}}')
    # When stored twice
    first = store_assets(kit, tmp_path, blobs, FFMPEG)
    again = store_assets(kit, tmp_path, blobs, FFMPEG)
    # Then the kit names one content-addressed key
    assert first == again and first.logo is not None
    assert first.logo.path.startswith("brand/assets/") and blobs.exists(first.logo.path)
    # And music that is not audio, or a missing file, is refused
    (tmp_path / "bed.mp3").write_text("just words", encoding="utf-8")
    with pytest.raises(InvalidBrandAsset, match="not a readable audio file"):
        store_assets(parse_brand(b'{"music": {"path": "bed.mp3"}}'), tmp_path, blobs, FFMPEG)
    with pytest.raises(InvalidBrandAsset, match="no such file"):
        store_assets(parse_brand(b'{"logo": {"path": "gone.png"}}'), tmp_path, blobs, FFMPEG)


# --- pictures ------------------------------------------------------------------------------------
def _slide_43(width: int = 1280, height: int = 720) -> bytes:
    canvas = Image.new("RGB", (width, height), (0, 0, 0))
    canvas.paste(Image.new("RGB", (960, 720), (255, 255, 255)), (160, 0))
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


def test_the_logo_sits_at_its_corner_with_its_margin() -> None:
    kit = BrandKit(logo=Logo(path="k", corner="bottom-left", width=0.1, margin=0.02))
    # When a slide is composed
    out = compose.compose_slide(_slide_43(), kit, 4 / 3, _png((100, 50), MAGENTA))
    pixels = np.asarray(Image.open(io.BytesIO(out)).convert("RGB"))
    ys, xs = np.nonzero(np.all(pixels == (255, 0, 255), axis=2))
    # Then the magenta logo is 128 px wide, 26 px from the left and bottom edges
    assert (xs.min(), xs.max() + 1) == (26, 26 + 128)
    assert ys.max() + 1 == 720 - 26 and ys.max() + 1 - ys.min() == 64


def test_the_logo_moves_off_the_presenter() -> None:
    # Given the presenter at the bottom right and a logo asked there
    logo = Logo(path="k", corner="bottom-right", width=0.12, margin=0.03)
    box = presenter_box(1280, 720, "pip-right")
    avoid = compose.Box(box.x, box.y, box.w, box.h)
    # When placed / Then it goes to the top right, clear of the presenter
    corner = compose.logo_corner(logo, (100, 50), 1280, 720, avoid)
    assert corner == "top-right"
    assert not compose.logo_box(logo, (100, 50), 1280, 720, corner).overlaps(avoid)


def test_a_template_fills_the_letterbox_bars_and_frames_the_slide() -> None:
    kit = BrandKit(template="corporate")
    out = compose.compose_slide(_slide_43(), kit, 4 / 3, None)
    pixels = np.asarray(Image.open(io.BytesIO(out)).convert("RGB"))
    # Then the bars are the primary colour, not black, and the slide stays white in the middle
    assert tuple(pixels[360, 40]) == (0x0B, 0x3D, 0x91)
    assert tuple(pixels[360, 640]) == (255, 255, 255)
    # And "none" keeps today's picture
    assert compose.compose_slide(_slide_43(), BrandKit(), 4 / 3, None) == compose._png(
        Image.open(io.BytesIO(_slide_43())).convert("RGB")
    )


def test_a_card_shows_its_colours() -> None:
    kit = parse_brand(json.dumps({"intro": ISSUE_EXAMPLE["intro"]}).encode())
    assert kit.intro is not None and kit.intro.card is not None
    png = compose.card_image(kit.intro.card, kit, "NR-10 Básico", 1280, 720, None, None)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert tuple(pixels[20, 20]) == (0x0B, 0x3D, 0x91)
    white = np.all(pixels == 255, axis=2)
    assert white[200:480].sum() > 2000 and white[:150].sum() == 0  # the text, centred


# --- captions ------------------------------------------------------------------------------------
def test_caption_style_reaches_the_ass_and_the_vtt() -> None:
    style = CaptionStyle(color="#FFCC00", box="#0B3D91", position="top", size=1.5)
    line = style_line(style, "DejaVu Sans", 1920, 1080)
    fields = line.split(",")
    assert fields[1] == "DejaVu Sans" and fields[3] == "&H0000CCFF"
    assert fields[15] == "3" and fields[18] == "8"  # a box, top centre
    ass = "[Script Info]\n\n[V4+ Styles]\nStyle: Default,Noto Sans,54,x\n"
    assert restyle_ass(ass, style, "DejaVu Sans", 1920, 1080).count(line) == 1
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOlá\n"
    assert "00:00:01.000 --> 00:00:02.000 line:8%" in vtt_with_position(vtt, style)
    assert vtt_with_position(vtt, CaptionStyle()) == vtt


# --- music ---------------------------------------------------------------------------------------
def test_the_bed_ducks_by_its_depth_under_speech_and_recovers_in_pauses() -> None:
    rate = 1000
    spans = speech_spans([(1.0, 1.5), (1.7, 3.0), (6.0, 7.0)])
    assert spans == [(1.0, 3.0), (6.0, 7.0)]  # a 0.2 s gap stays ducked
    gain = duck_gain(spans, 10 * rate, rate, 10.0)
    assert gain[2000] == pytest.approx(10 ** (-10 / 20), rel=1e-4)
    assert gain[4500] == 1.0 and gain[0] == 1.0
    assert 10 ** (-10 / 20) < gain[3200] < 1.0  # the release ramp
    edges = fades(10 * rate, rate, 1.0, 2.0)
    assert edges[0] == 0 and edges[5000] == 1 and edges[-1] == 0


def test_preset_beds_loop_seamlessly() -> None:
    bed = preset_bed("calm", 8000)
    assert len(bed) == 16 * 8000 and np.max(np.abs(bed)) == pytest.approx(0.5, abs=1e-3)
    # The step across the loop point is no larger than any step inside the loop
    joint = abs(float(bed[0]) - float(bed[-1]))
    assert joint <= float(np.max(np.abs(np.diff(bed)))) + 1e-6


# --- plan ----------------------------------------------------------------------------------------
def test_cards_open_and_close_the_plan_and_shift_the_slides() -> None:
    deck = Deck(
        source_name="aula.pptx",
        slide_width_emu=4,
        slide_height_emu=3,
        slide_count=2,
        language="pt-BR",
        title="Aula",
        scenes=[
            Scene(index=i, slide_number=i + 1, script="x", script_source="notes") for i in (0, 1)
        ],
    )
    scenes = [
        ScenePlan(
            index=i,
            slide_number=i + 1,
            start_s=5.0 * i,
            duration_s=5.0,
            speech_offset_s=0.4,
            speech_duration_s=3.8,
        )
        for i in (0, 1)
    ]
    plan = Plan(
        width=1280,
        height=720,
        fps=2,
        sample_rate=48000,
        scenes=scenes,
        chapters=[Chapter(title="Um", start_s=0.0)],
    )
    kit = parse_brand(json.dumps({k: ISSUE_EXAMPLE[k] for k in ("intro", "outro")}).encode())
    said = Speech(
        voice="v", language="pt-BR", written="w", spoken="w", duration_s=4.3, sample_rate=22050
    )
    # When the cards are added (the intro speaks 4.3 s, the outro says nothing recorded)
    out = add_cards(plan, kit, deck, {"intro": said})
    # Then the intro lasts its line plus lead-in and out (whole frames), the outro its default
    assert (
        out.intro is not None and out.intro.duration_s == 5.5 and out.intro.title == "NR-10 Básico"
    )
    assert [s.start_s for s in out.scenes] == [5.5, 10.5]
    assert out.outro is not None and out.outro.start_s == 15.5 and out.outro.duration_s == 4.0
    assert out.duration_s == 19.5
    assert [(c.title, c.start_s) for c in out.chapters] == [("NR-10 Básico", 0.0), ("Um", 5.5)]
    assert add_cards(plan, None, deck, {}) == plan


def test_an_uploaded_track_loops_with_a_cross_fade_and_trims() -> None:
    # Given a 1 s tone at 1 kHz sampling (an uploaded track that ends mid-cycle)
    rate = 1000
    track = np.sin(2 * np.pi * 7.3 * np.arange(rate) / rate).astype(np.float32)
    # When looped to 3.5 s with a 50-sample cross-fade, and trimmed to 0.5 s
    looped = fit_length(track, 3500, crossfade=50)
    assert len(looped) == 3500 and len(fit_length(track, 500)) == 500
    # Then no joint jumps: every step stays within the tone's own largest step (plus the fade)
    biggest = float(np.max(np.abs(np.diff(track))))
    assert float(np.max(np.abs(np.diff(looped[60:])))) <= 2 * biggest
    # And the bed's level holds across the joints (equal-power fade: no dip to silence)
    window = np.sqrt(np.convolve(looped[100:] ** 2, np.ones(200) / 200, mode="valid"))
    assert window.min() > 0.5 * window.max()
