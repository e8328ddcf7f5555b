"""A render in several languages (``languages``, ``translate_slides``; docs/adr/0017).

The render the caller gets is the first language's; each further language is a render of its
own, linked to it (``parent_id`` on it, ``children`` on the parent: language -> render id), run
by the one pipeline like any render. What the caller reads (``render_public``) folds them into
one: a status that is ``succeeded`` once every language is, a progress that is their mean (each
only grows, so the mean does too), and outputs that carry their language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from estudio.errors import InvalidOptions, NotFound, WriterUnavailable
from estudio.jobs import Job, JobRepository, JobStatus
from estudio.models import RenderOptions

MAX_LANGUAGES = 8


@dataclass(frozen=True)
class LanguageRender:
    """A further language's render to start: its id and options."""

    language: str
    job_id: str
    options: RenderOptions


def child_id(parent_id: str, language: str) -> str:
    return f"{parent_id}-{language}"


def _same(a: str, b: str) -> bool:
    return a.split("-")[0].lower() == b.split("-")[0].lower()


def needs_llm(options: RenderOptions, deck_language: str | None = None) -> bool:
    """Whether these options cannot be rendered without an LLM writer (checked at request time:
    further languages, slide text to translate, or a first language other than the deck's)."""
    if not options.languages:
        return False
    first = options.languages[0]
    return (
        len(options.languages) > 1
        or options.translate_slides
        or (deck_language is not None and not _same(first, deck_language))
    )


def plan_languages(
    job_id: str, options: RenderOptions, llm_ready: bool, deck_language: str | None = None
) -> tuple[RenderOptions, list[LanguageRender]]:
    """The first language's options and each further language's render.

    ``InvalidOptions`` when ``language`` and ``languages`` disagree, or ``translate_slides`` comes
    without ``languages``; ``WriterUnavailable`` when an LLM writer is needed and none is ready.
    """
    if options.translate_slides and not options.languages:
        raise InvalidOptions('translate_slides goes with languages (e.g. ["pt-BR", "en"])')
    if not options.languages:
        return options, []
    first, *further = options.languages
    if options.language and options.language != first:
        raise InvalidOptions(
            f"language {options.language!r} is not the first of languages ({first!r}): "
            "give one or make them agree"
        )
    if needs_llm(options, deck_language) and not llm_ready:
        raise WriterUnavailable(
            "languages and translate_slides need an LLM writer to translate; none is configured"
        )
    parent = options.model_copy(update={"language": first, "translate": True})
    children = [
        LanguageRender(
            language=language,
            job_id=child_id(job_id, language),
            # each language its own default voice; the list stays on the first language's only
            options=parent.model_copy(
                update={"language": language, "voice": None, "languages": ()}
            ),
        )
        for language in further
    ]
    return parent, children


def child_overrides(scene_overrides: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The scene edits a further language keeps: all but the voices (a voice chosen for one
    language does not speak another); the edited scripts are kept, and translated."""
    if not scene_overrides:
        return None
    kept = {}
    for index, edit in scene_overrides.items():
        without_voice = {k: v for k, v in dict(edit).items() if k != "voice"}
        if any(v is not None for v in without_voice.values()):
            kept[index] = without_voice
    return kept or None


def language_jobs(jobs: JobRepository, job: Job) -> list[Job]:
    """The render itself, then each further language's render that still exists."""
    found = [job]
    for render_id in job.children.values():
        try:
            found.append(jobs.get(render_id))
        except NotFound:
            continue
    return found


def overall_status(renders: list[Job]) -> JobStatus:
    statuses = [r.status for r in renders]
    if JobStatus.FAILED in statuses:
        return JobStatus.FAILED
    if JobStatus.CANCELLED in statuses:
        return JobStatus.CANCELLED
    if all(s == JobStatus.SUCCEEDED for s in statuses):
        return JobStatus.SUCCEEDED
    if all(s == JobStatus.QUEUED for s in statuses):
        return JobStatus.QUEUED
    return JobStatus.RUNNING


def overall_progress(renders: list[Job]) -> int:
    return sum(r.progress for r in renders) // len(renders)


def language_of(job: Job) -> str | None:
    return job.options.language
