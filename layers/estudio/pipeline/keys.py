"""Blob key conventions: one place that says where each artefact of a job lives."""

from __future__ import annotations


def job_prefix(job_id: str) -> str:
    return f"jobs/{job_id}/"


def deck(job_id: str) -> str:
    return f"jobs/{job_id}/input/deck.pptx"


def converted_deck(job_id: str) -> str:
    """The transitional .pptx made from a .ppt, .odp, Strict or .pptm input (docs/adr/0011)."""
    return f"jobs/{job_id}/input/converted.pptx"


def translated_deck(job_id: str) -> str:
    """The copy of the deck whose slide text was translated (``translate_slides``, ADR 0017)."""
    return f"jobs/{job_id}/input/translated.pptx"


def deck_model(job_id: str) -> str:
    return f"jobs/{job_id}/deck.json"


def glossary(job_id: str) -> str:
    return f"jobs/{job_id}/glossary.json"


def slide_image(job_id: str, slide_number: int) -> str:
    return f"jobs/{job_id}/slides/{slide_number:04d}.png"


def step_image(job_id: str, slide_number: int, step: int) -> str:
    """A slide after ``step`` clicks of its build (the last step is ``slide_image``)."""
    return f"jobs/{job_id}/slides/{slide_number:04d}-step{step:02d}.png"


def slides_report(job_id: str) -> str:
    """What the rasterizer found (fonts missing where the slides were drawn)."""
    return f"jobs/{job_id}/slides/report.json"


def speech_audio(job_id: str, index: int) -> str:
    return f"jobs/{job_id}/speech/{index:04d}.wav"


def speech_model(job_id: str, index: int) -> str:
    return f"jobs/{job_id}/speech/{index:04d}.json"


def plan(job_id: str) -> str:
    return f"jobs/{job_id}/plan.json"


def narration(job_id: str) -> str:
    return f"jobs/{job_id}/narration.m4a"


def segment(job_id: str, index: int) -> str:
    return f"jobs/{job_id}/segments/{index:04d}.mp4"


def segment_info(job_id: str, index: int) -> str:
    """Where the segment rendered (``SegmentInfo``), beside the segment."""
    return f"jobs/{job_id}/segments/{index:04d}.json"


def output(job_id: str, name: str) -> str:
    return f"jobs/{job_id}/out/{name}"


def stage_timing(job_id: str, stage: str) -> str:
    return f"jobs/{job_id}/timings/{stage}.json"


def quiz(job_id: str) -> str:
    """The knowledge check for the LMS packages, put there by whoever starts the job."""
    return f"jobs/{job_id}/input/quiz.json"
