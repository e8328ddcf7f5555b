"""The parse stage's slide-text translation (``translate_slides``, docs/adr/0017).

A job that renders a translated language with ``translate_slides`` gets a copy of its deck with
the on-slide text translated by the LLM writer, stored at ``keys.translated_deck``; the
rasterizer draws from that copy (``deck_stages.slides_source``). A slide the LLM could not
translate keeps its text, and its scene's warnings (the manifest's) say so. Without an LLM
writer the job is refused (``WriterUnavailable``), never drawn with untranslated slides
pretending otherwise.
"""

from __future__ import annotations

from estudio.errors import WriterUnavailable
from estudio.models import Deck
from estudio.observability import logger
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.messages import JobInput

PDF_WARNING = "slide_text: a PDF's pages are pictures; their text is shown as written"
UNEDITABLE_WARNING = "slide_text: the deck's text could not be edited; it is shown as written"


def _same_language(a: str, b: str) -> bool:
    return a.split("-")[0].lower() == b.split("-")[0].lower()


def wants_slide_translation(msg: JobInput, source: str) -> bool:
    """Whether the job draws its slides translated from ``source`` (the deck's language)."""
    options = msg.options
    return bool(
        options.translate_slides
        and options.translate
        and options.language
        and not _same_language(options.language, source)
    )


def translate_job_slides(ctx: StageContext, msg: JobInput, deck: Deck, source: str) -> Deck:
    """The deck (scene warnings and titles updated) after its slides' text was translated from
    ``source`` into the job's language; the translated copy stored for the rasterizer. A job
    that does not translate its slides leaves no copy behind (a re-run is clean)."""
    target = keys.translated_deck(msg.job_id)
    if not wants_slide_translation(msg, source):
        if ctx.blobs.exists(target):
            ctx.blobs.delete(target)
        return deck
    if deck.source_format == "pdf":
        return deck.model_copy(update={"warnings": [*deck.warnings, PDF_WARNING]})
    llm = ctx.writers.llm
    if llm is None:
        raise WriterUnavailable(
            "translate_slides needs an LLM writer: set ESTUDIO_LLM_BASE_URL and "
            "ESTUDIO_LLM_MODEL, or ESTUDIO_BEDROCK_MODEL_ID"
        )
    from lxml.etree import LxmlError
    from pptx.exc import PythonPptxError

    from estudio.deck.translate import translate_deck_file
    from estudio.pipeline.deck_stages import PPTX_TYPE
    from estudio.script.slide_text import SlideTextTranslator

    language = msg.options.language
    assert language is not None
    translator = SlideTextTranslator(llm, [entry.term for entry in msg.glossary])
    converted = keys.converted_deck(msg.job_id)
    deck_key = converted if ctx.blobs.exists(converted) else msg.deck_key
    with ctx.scratch("translate") as tmp:
        path = ctx.blobs.get_file(deck_key, tmp / "source.pptx")
        try:
            report = translate_deck_file(
                path,
                tmp / "translated.pptx",
                lambda texts, number: translator.translate(texts, source, language, number),
                slide_numbers=[scene.slide_number for scene in deck.scenes],
            )
        except (PythonPptxError, LxmlError, KeyError) as error:
            # a deck that parsed but whose copy python-pptx cannot rewrite
            logger.warning("slide text not translated", error=type(error).__name__)
            if ctx.blobs.exists(target):
                ctx.blobs.delete(target)
            return deck.model_copy(update={"warnings": [*deck.warnings, UNEDITABLE_WARNING]})
        ctx.blobs.put_file(target, tmp / "translated.pptx", PPTX_TYPE)
    scenes = []
    for scene in deck.scenes:
        changes: dict[str, object] = {}
        warnings = report.warnings.get(scene.slide_number)
        if warnings:
            changes["warnings"] = [*scene.warnings, *warnings]
        mapping = report.translated.get(scene.slide_number, {})
        if scene.title:
            title = mapping.get(scene.title) or next(
                (new for old, new in mapping.items() if " ".join(old.split()) == scene.title),
                None,
            )
            if title:
                changes["title"] = " ".join(title.split())
        scenes.append(scene.model_copy(update=changes) if changes else scene)
    logger.info(
        "slide text translated",
        job_id=msg.job_id,
        language=language,
        paragraphs=report.paragraphs,
        kept=len(report.warnings),
        shrunk=report.shrunk,
        writer=llm.name,
    )
    return deck.model_copy(update={"scenes": scenes})
