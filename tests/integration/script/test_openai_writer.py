"""The ``openai`` writer against a real local HTTP server speaking the chat-completions shape:
a good answer is used; a 500, a timeout, an answer in the wrong language or with markdown falls
back to the rules writer with a warning the manifest carries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from estudio.errors import WriterAnswerRejected, WriterBusy, WriterUnavailable
from estudio.models import Deck, Scene, SlideContent, TextBlock
from estudio.script.base import SlideBrief
from estudio.script.brief import slide_briefs
from estudio.script.factory import Writers, llm_writer
from estudio.script.openai_compat import OpenAIWriter
from estudio.script.rules import RulesWriter
from estudio.script.service import write_scripts
from estudio.settings import Settings
from estudio.speech.cloud import RetryPolicy

from .fake_llm import FakeLLM, Reply, serve_fake_llm

GOOD_PT = (
    "Nesta parte vamos ver como desligar e bloquear um painel elétrico antes de qualquer "
    "intervenção. Primeiro, desligue o disjuntor geral e confirme que não há tensão. Depois, "
    "coloque o cadeado e a etiqueta de bloqueio, para que ninguém religue o circuito."
)
ENGLISH = (
    "In this part we will see how to switch off and lock out an electrical panel before any "
    "work. First, switch off the main breaker and confirm that there is no voltage. Then put "
    "on the lock and the tag so that nobody can switch the circuit back on."
)
MARKDOWN = "**Bloqueio e etiquetagem**\n\n- Desligue o disjuntor geral.\n- Coloque o cadeado."
FAST = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02)


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as fake:
        yield fake


def deck() -> Deck:
    body = TextBlock(
        paragraphs=[
            "Desligar o disjuntor geral",
            "Confirmar a ausência de tensão",
            "Instalar cadeado e etiqueta",
        ],
        levels=[0, 0, 0],
        top=0.25,
        bottom=0.8,
    )
    footer = TextBlock(paragraphs=["Semana de Segurança 2026"], levels=[0], top=0.92, bottom=0.97)
    scenes = [
        Scene(
            index=i,
            slide_number=i + 1,
            title=title,
            script=f"{title}.",
            script_source="slide_text",
            content=SlideContent(blocks=[body, footer]),
        )
        for i, title in enumerate(["Bloqueio e etiquetagem", "Procedimento LOTO", "Revisão"])
    ]
    notes = Scene(
        index=3,
        slide_number=4,
        title="Encerramento",
        script="Obrigado pela atenção. Lembrem-se do cadeado!",
        script_source="notes",
    )
    return Deck(
        source_name="loto.pptx",
        slide_width_emu=12_192_000,
        slide_height_emu=6_858_000,
        slide_count=4,
        language="pt-BR",
        title="Bloqueio",
        scenes=[*scenes, notes],
    )


def writer(llm: FakeLLM, timeout_s: float = 5.0) -> OpenAIWriter:
    return OpenAIWriter(llm.base_url, "local-model", "sk-test", timeout_s=timeout_s, retry=FAST)


def test_given_a_good_answer_when_written_then_the_script_comes_from_the_llm(
    llm: FakeLLM,
) -> None:
    llm.default = Reply(GOOD_PT)
    writers = Writers(rules=RulesWriter(), llm=writer(llm))

    written = write_scripts(deck(), "auto", writers, "pt-BR", glossary_terms=["LOTO", "NR-10"])

    sources = [s.script_source for s in written.scenes]
    assert sources == ["writer:openai", "writer:openai", "writer:openai", "notes"]
    assert written.scenes[0].script == GOOD_PT
    assert all(not s.warnings for s in written.scenes)
    assert len(llm.requests) == 3  # the slide with notes is not sent in auto mode
    request = next(
        r for r in llm.requests if "Slide title: Procedimento LOTO\n" in r["messages"][1]["content"]
    )
    prompt = request["messages"][1]["content"]
    assert request["model"] == "local-model"
    assert request["messages"][0]["role"] == "system"
    assert "Brazilian Portuguese" in prompt
    assert "Previous slide's title: Bloqueio e etiquetagem" in prompt
    assert "Next slide's title: Revisão" in prompt
    assert "Desligar o disjuntor geral" in prompt
    assert "LOTO" in prompt and "NR-10" not in prompt  # only the terms the slide uses
    assert "Semana de Segurança" not in prompt  # a repeated footer, said once, on slide 1 only
    assert "Write about" in prompt
    # the key goes to the endpoint as a bearer token, never into the prompt
    assert all(h["authorization"] == "Bearer sk-test" for h in llm.headers)
    assert all("sk-test" not in str(r) for r in llm.requests)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(status=500), "unavailable (HTTP 500)"),
        (Reply(ENGLISH), "another language"),
        (Reply(MARKDOWN), "markdown"),
        (Reply("Ok."), "words"),
    ],
    ids=["http-500", "wrong-language", "markdown", "too-short"],
)
def test_given_a_failing_or_unusable_answer_when_written_then_rules_stand_in_with_a_warning(
    llm: FakeLLM, reply: Reply, reason: str
) -> None:
    # the first slide's prompt: one try, and one retry when the failure is transient
    llm.by_title = {"Bloqueio e etiquetagem": [reply, reply]}
    llm.default = Reply(GOOD_PT)
    writers = Writers(rules=RulesWriter(), llm=writer(llm))

    written = write_scripts(deck(), "auto", writers, "pt-BR")

    first = written.scenes[0]
    assert first.script_source == "writer:rules"
    assert first.script == RulesWriter().write(slide_briefs(deck(), "pt-BR")[0])
    [warning] = first.warnings
    assert warning.startswith("script_writer: writer:openai failed (")
    assert reason in warning and warning.endswith("the rules writer wrote it")
    assert [s.script_source for s in written.scenes[1:3]] == ["writer:openai", "writer:openai"]


def test_given_a_slow_server_when_written_then_it_times_out_and_rules_stand_in(
    llm: FakeLLM,
) -> None:
    llm.default = Reply(GOOD_PT, delay_s=1.5)
    slow = writer(llm, timeout_s=0.3)
    brief = slide_briefs(deck(), "pt-BR")[0]

    with pytest.raises(WriterBusy, match=r"did not answer in 0\.3 s"):
        slow.write(brief, "write", "rascunho")

    written = write_scripts(deck(), "auto", Writers(rules=RulesWriter(), llm=slow), "pt-BR")
    assert {s.script_source for s in written.scenes[:3]} == {"writer:rules"}
    for scene in written.scenes[:3]:
        [warning] = scene.warnings
        assert "writer:openai" in warning and warning.endswith("the rules writer wrote it")


def test_given_rewrite_when_notes_exist_then_they_are_polished_by_the_llm(llm: FakeLLM) -> None:
    llm.default = Reply(GOOD_PT)
    writers = Writers(rules=RulesWriter(), llm=writer(llm))

    written = write_scripts(deck(), "rewrite", writers, "pt-BR")

    assert written.scenes[3].script_source == "writer:openai"
    rewrite = next(
        r for r in llm.requests if "Slide title: Encerramento\n" in r["messages"][1]["content"]
    )
    assert "Speaker notes to polish" in rewrite["messages"][1]["content"]
    assert "Lembrem-se do cadeado!" in rewrite["messages"][1]["content"]


def test_given_no_llm_when_rewrite_is_asked_then_it_is_refused_clearly() -> None:
    with pytest.raises(WriterUnavailable) as refused:
        write_scripts(deck(), "rewrite", Writers(rules=RulesWriter()), "pt-BR")

    assert refused.value.code == "writer_unavailable"
    assert "ESTUDIO_LLM_BASE_URL" in refused.value.message


def test_given_settings_when_writers_are_built_then_the_endpoint_is_used(llm: FakeLLM) -> None:
    llm.default = Reply(GOOD_PT)
    settings = Settings(llm_base_url=llm.base_url, llm_model="local-model", llm_timeout_s=5)

    built = llm_writer(settings)

    assert isinstance(built, OpenAIWriter)
    assert built.write(slide_briefs(deck(), "pt-BR")[1], "write", "rascunho") == GOOD_PT
    assert "authorization" not in llm.headers[0]  # no key configured: none sent
    assert llm_writer(Settings()) is None
    assert (
        llm_writer(Settings(llm_base_url=llm.base_url, llm_model="m", script_writer="rules"))
        is None
    )


def test_given_an_answer_with_pause_markup_when_the_author_wrote_none_then_it_is_rejected(
    llm: FakeLLM,
) -> None:
    llm.default = Reply(GOOD_PT.replace("Depois,", "[pausa] Depois,"))
    brief: SlideBrief = slide_briefs(deck(), "pt-BR")[0]

    with pytest.raises(WriterAnswerRejected, match="pause markup"):
        writer(llm).write(brief, "write", "rascunho de vinte palavras " * 4)


def test_given_a_target_language_when_translating_then_each_script_is_translated_or_refused(
    llm: FakeLLM,
) -> None:
    from estudio.errors import WriterFailed
    from estudio.script.service import translate_scripts

    llm.default = Reply(ENGLISH)
    source = write_scripts(deck(), "auto", Writers(rules=RulesWriter()), "pt-BR")

    english = translate_scripts(source, "en", Writers(rules=RulesWriter(), llm=writer(llm)))

    assert english.language == "en"
    assert [s.script for s in english.scenes] == [ENGLISH] * 4
    assert [s.script_source for s in english.scenes] == [s.script_source for s in source.scenes]
    prompt = llm.requests[0]["messages"][1]["content"]
    assert "Translate this narration into English" in prompt
    # the same language is no translation at all, and needs no LLM
    assert translate_scripts(source, "pt-PT", Writers(rules=RulesWriter())) is source
    with pytest.raises(WriterUnavailable):
        translate_scripts(source, "en", Writers(rules=RulesWriter()))
    # an answer in the wrong language fails the scene: never a script in the wrong language
    llm.default = Reply(GOOD_PT)
    with pytest.raises(WriterFailed, match="could not be translated into en"):
        translate_scripts(source, "en", Writers(rules=RulesWriter(), llm=writer(llm)))
