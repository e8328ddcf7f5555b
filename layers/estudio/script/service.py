"""Choosing and writing each scene's narration for a script mode.

``auto``: the notes where a slide has them, the writer (the LLM one when configured, else rules)
where it has none. ``notes``: notes only; a slide without them is silent. ``text``: the slide
text read as written (what the parser made). ``rewrite``: the notes polished and the other slides
written by the LLM writer; refused with ``WriterUnavailable`` when none is configured.

A scene the author edited is never rewritten. An LLM writer that fails, is slow or answers
something unusable is replaced by the rules writer for that scene, and the scene's warnings (the
manifest's) say so; after a few such failures in a row the LLM is not asked again for this deck.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from estudio.errors import WriterFailed, WriterUnavailable
from estudio.models import Deck, Scene, ScriptMode, ScriptSource
from estudio.observability import logger
from estudio.script.base import ScriptWriter, SlideBrief, Task
from estudio.script.brief import slide_briefs
from estudio.script.factory import Writers

KEPT_SOURCES = frozenset({"edited", "writer:rules", "writer:openai", "writer:bedrock"})
GIVE_UP_AFTER = 3  # LLM failures in a row before the rest of the deck goes to the rules writer
PARALLEL_CALLS = 4


class _Breaker:
    def __init__(self) -> None:
        self.failures = 0
        self.lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.failures >= GIVE_UP_AFTER

    def record(self, ok: bool) -> None:
        with self.lock:
            self.failures = 0 if ok else self.failures + 1


def _source(writer: ScriptWriter) -> ScriptSource:
    return {"rules": "writer:rules", "openai": "writer:openai", "bedrock": "writer:bedrock"}[
        writer.name
    ]  # type: ignore[return-value]


def _truncate(script: str, limit: int) -> str:
    if len(script) <= limit:
        return script
    cut = script[:limit]
    end = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: end + 1] if end > limit // 2 else cut).rstrip()


def write_scene(
    scene: Scene,
    brief: SlideBrief,
    mode: ScriptMode,
    writers: Writers,
    breaker: _Breaker | None = None,
    max_chars: int = 10_000,
) -> Scene:
    """One scene with its narration for ``mode`` (``script``, ``script_source``, warnings)."""
    if scene.script_source in KEPT_SOURCES:
        return scene
    has_notes = scene.script_source == "notes"
    if mode == "text":  # today's reading: the notes, else the slide text as written
        if scene.script_source == "slide_text":
            return scene.model_copy(update={"script_source": "text"})
        return scene
    if mode == "notes":
        if has_notes:
            return scene
        return scene.model_copy(update={"script": "", "script_source": "none"})
    if mode == "auto" and has_notes:
        return scene
    task: Task = "rewrite" if has_notes else "write"
    warnings = list(scene.warnings)
    fallback_source: ScriptSource = "writer:rules"
    try:
        draft = writers.rules.write(brief, "write")
    except WriterFailed:  # a language the rules writer does not speak: the slide text as is
        draft, fallback_source = ("" if has_notes else scene.script), "text"
    llm = writers.llm
    if has_notes:
        fallback = "the notes are read as written"
    elif fallback_source == "text":
        fallback = "the slide text is read as written"
    else:
        fallback = "the rules writer wrote it"
    if llm is not None and breaker is not None and breaker.open:
        warnings.append(
            f"script_writer: {_source(llm)} was not asked after repeated failures; {fallback}"
        )
    elif llm is not None:
        try:
            script = llm.write(brief, task, draft)
        except WriterFailed as error:
            if breaker is not None:
                breaker.record(ok=False)
            logger.warning(
                "script writer failed, falling back",
                writer=llm.name,
                scene=scene.index,
                error=type(error).__name__,
            )
            warnings.append(f"script_writer: {_source(llm)} failed ({error.message}); {fallback}")
        else:
            if breaker is not None:
                breaker.record(ok=True)
            return scene.model_copy(
                update={"script": _truncate(script, max_chars), "script_source": _source(llm)}
            )
    elif fallback_source == "text" and scene.script:
        warnings.append(f"script_writer: no rules writer for {brief.language}; {fallback}")
    if has_notes:
        return scene.model_copy(update={"warnings": warnings})
    if not draft:
        return scene.model_copy(
            update={"script": "", "script_source": "none", "warnings": warnings}
        )
    return scene.model_copy(
        update={
            "script": _truncate(draft, max_chars),
            "script_source": fallback_source,
            "warnings": warnings,
        }
    )


def translate_scripts(
    deck: Deck,
    language: str,
    writers: Writers,
    glossary_terms: Sequence[str] = (),
    max_chars: int = 10_000,
) -> Deck:
    """Every scene's script in ``language``, translated by the LLM writer (glossary terms and
    pause markup kept). Refused (``WriterUnavailable``) without one; a scene that cannot be
    translated fails the job (``WriterFailed``): a script is never left in the wrong language."""
    if deck.language.split("-")[0].lower() == language.split("-")[0].lower():
        return deck  # already in that language
    if writers.llm is None:
        raise WriterUnavailable(
            "translation needs an LLM writer: set ESTUDIO_LLM_BASE_URL and ESTUDIO_LLM_MODEL, "
            "or ESTUDIO_BEDROCK_MODEL_ID"
        )
    llm = writers.llm
    briefs = slide_briefs(deck, language, glossary_terms)

    def one(pair: tuple[Scene, SlideBrief]) -> Scene:
        scene, brief = pair
        if not scene.script.strip():
            return scene
        try:
            translated = llm.write(brief, "translate", scene.script)
        except WriterFailed as error:
            raise WriterFailed(
                f"scene {scene.index + 1} could not be translated into {language}: {error.message}"
            ) from error
        return scene.model_copy(update={"script": _truncate(translated, max_chars)})

    pairs = list(zip(deck.scenes, briefs, strict=True))
    with ThreadPoolExecutor(max_workers=PARALLEL_CALLS, thread_name_prefix="translate") as pool:
        scenes = list(pool.map(one, pairs))
    logger.info("scripts translated", language=language, scenes=len(scenes), writer=llm.name)
    return deck.model_copy(update={"scenes": scenes, "language": language})


def write_scripts(
    deck: Deck,
    mode: ScriptMode,
    writers: Writers,
    language: str,
    glossary_terms: Sequence[str] = (),
    max_chars: int = 10_000,
) -> Deck:
    """The deck with every scene's narration chosen or written for ``mode``."""
    if mode == "rewrite" and writers.llm is None:
        raise WriterUnavailable(
            "script mode 'rewrite' needs an LLM writer: set ESTUDIO_LLM_BASE_URL and "
            "ESTUDIO_LLM_MODEL, or ESTUDIO_BEDROCK_MODEL_ID"
        )
    briefs = slide_briefs(deck, language, glossary_terms)
    breaker = _Breaker()

    def one(pair: tuple[Scene, SlideBrief]) -> Scene:
        return write_scene(pair[0], pair[1], mode, writers, breaker, max_chars)

    pairs = list(zip(deck.scenes, briefs, strict=True))
    if writers.llm is not None and mode in ("auto", "rewrite"):
        with ThreadPoolExecutor(max_workers=PARALLEL_CALLS, thread_name_prefix="writer") as pool:
            scenes = list(pool.map(one, pairs))
    else:
        scenes = [one(pair) for pair in pairs]
    counts: dict[str, int] = {}
    for scene in scenes:
        counts[scene.script_source] = counts.get(scene.script_source, 0) + 1
    logger.info("scripts chosen", mode=mode, sources=counts)
    return deck.model_copy(update={"scenes": scenes})
