"""Benchmark: what a still slide costs to encode at different frame rates (not a test).

Run: ``python tests/integration/media/bench_still_fps.py [seconds]``. Renders one 1080p slide
for ``seconds`` (default 60) at 30, 5 and 1 fps, without and with burned subtitles, and prints
wall time, size and the ratio to the 30 fps run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

from estudio.media.ffmpeg import choose_encoder, ffmpeg_exe
from estudio.media.render import render_still_segment

ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 1920
PlayResY: 1080

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Noto Sans,56,&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,\
1,3,0,2,60,60,60,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


def _cues(seconds: float) -> str:
    lines = []
    t = 0.0
    n = 0
    while t < seconds:
        end = min(seconds, t + 2.5)
        s = f"0:{int(t // 60):02d}:{t % 60:05.2f}"
        e = f"0:{int(end // 60):02d}:{end % 60:05.2f}"
        lines.append(f"Dialogue: 0,{s},{e},Default,,0,0,0,,Legenda número {n} da narração")
        t = end
        n += 1
    return ASS + "\n".join(lines) + "\n"


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    ffmpeg = ffmpeg_exe()
    encoder = choose_encoder(ffmpeg)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        img = Image.new("RGB", (1920, 1080), (245, 245, 240))
        draw = ImageDraw.Draw(img)
        for i in range(12):
            box = (100 + i * 140, 200, 180 + i * 140, 900)
            draw.rectangle(box, fill=(20 * i, 90, 200 - 15 * i))
        draw.text((120, 100), "Treinamento de segurança — slide de teste", fill=(0, 0, 0))
        png = work / "slide.png"
        img.save(png)
        ass = work / "subs.ass"
        ass.write_text(_cues(seconds), encoding="utf-8")
        results: dict[tuple[int, bool], float] = {}
        print(f"encoder={encoder} duration={seconds:g}s 1920x1080")
        for subs in (False, True):
            for fps in (30, 5, 1):
                out = work / f"seg-{fps}-{subs}.mp4"
                t0 = time.perf_counter()
                render_still_segment(png, out, seconds, fps, encoder, ffmpeg, ass if subs else None)
                wall = time.perf_counter() - t0
                results[(fps, subs)] = wall
                base = results[(30, subs)]
                print(
                    f"fps={fps:>2} subtitles={subs!s:<5} wall={wall:6.2f}s "
                    f"size={out.stat().st_size / 1024:7.0f} KiB "
                    f"x-realtime={seconds / wall:6.1f} ratio-to-30fps={wall / base:5.2f}"
                )


if __name__ == "__main__":
    main()
