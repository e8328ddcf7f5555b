"""The brand kit's cost: the same deck rendered plain and with logo, template, intro, outro and a
music bed, each cold in its own data folder (nothing cached), wall time of both and the ratio.
Run by ``make bench`` (``estudio.bench``), or alone: ``python -m estudio.brand.bench [slides]``."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

GOAL_RATIO = 1.25


def _brand_file(work: Path) -> Path:
    logo = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    logo.paste(Image.new("RGBA", (360, 120), (11, 61, 145, 255)), (20, 20))
    logo.save(work / "logo.png")
    brand = {
        "logo": {"path": "logo.png", "corner": "top-right", "width": 0.12, "margin": 0.03},
        "intro": {
            "card": {
                "title": "Treinamento",
                "subtitle": "Treinamento obrigatório",
                "say": "Bem-vindo ao treinamento.",
            }
        },
        "outro": {"card": {"title": "Obrigado!", "say": "Até a próxima."}},
        "music": {"preset": "calm"},
        "template": "corporate",
    }
    path = work / "brand.json"
    path.write_text(json.dumps(brand, ensure_ascii=False), encoding="utf-8")
    return path


def bench_brand(slides: int, work: Path) -> dict[str, float]:
    from estudio.brand.ingest import ingest_brand_file
    from estudio.deck.samples import make_benchmark_deck
    from estudio.local import local_context
    from estudio.media.ffmpeg import ffmpeg_exe
    from estudio.models import RenderOptions
    from estudio.pipeline import keys
    from estudio.pipeline.runner import run_job
    from estudio.settings import Settings

    deck = make_benchmark_deck(work / f"brand-bench-{slides}.pptx", slides)
    brand_file = _brand_file(work)

    def render(name: str, branded: bool) -> float:
        settings = Settings(data=work / f"data-{name}")
        ctx = local_context(settings)
        started = time.perf_counter()
        options = RenderOptions()
        if branded:  # validating and storing the kit is part of the cost
            kit = ingest_brand_file(brand_file, ctx.blobs, ffmpeg_exe(settings.ffmpeg))
            options = options.model_copy(update={"brand": kit})
        job_id = f"brand-bench-{name}"
        ctx.blobs.put_file(keys.deck(job_id), deck)
        ctx.jobs.create(job_id, "local", keys.deck(job_id), deck.name, options)
        run_job(
            ctx,
            {
                "job_id": job_id,
                "deck_key": keys.deck(job_id),
                "options": options.model_dump(mode="json"),
            },
        )
        return time.perf_counter() - started

    plain = render("plain", branded=False)
    branded = render("branded", branded=True)
    return {
        "slides": slides,
        "plain_s": round(plain, 2),
        "branded_s": round(branded, 2),
        "ratio": round(branded / plain, 3),
    }


def line(result: dict[str, float]) -> str:
    verdict = "ok" if result["ratio"] <= GOAL_RATIO else "OVER"
    return (
        f"brand kit ({result['slides']:g} slides, logo+template+intro+outro+music): "
        f"plain {result['plain_s']} s, branded {result['branded_s']} s, "
        f"{result['ratio']}x (goal <= {GOAL_RATIO}x: {verdict})"
    )


def main(argv: list[str]) -> int:
    slides = int(argv[0]) if argv else 60
    work = Path(tempfile.mkdtemp(prefix="estudio-brand-bench-"))
    try:
        print(line(bench_brand(slides, work)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
