"""The rules writer and the script modes on slides built in the test: what a listener hears."""

from __future__ import annotations

import pytest

from estudio.errors import WriterFailed
from estudio.models import Deck, Scene, SlideContent, TextBlock
from estudio.script.base import SlideBrief
from estudio.script.brief import slide_briefs
from estudio.script.factory import Writers
from estudio.script.llm import Prompt, validate_answer
from estudio.script.rules import RulesWriter
from estudio.script.service import write_scene, write_scripts

WRITER = RulesWriter()


def text(*paragraphs: str, levels: list[int] | None = None, top: float = 0.3) -> TextBlock:
    return TextBlock(
        paragraphs=list(paragraphs),
        levels=levels or [0] * len(paragraphs),
        top=top,
        bottom=top + 0.1,
    )


def brief(
    title: str | None, *blocks: TextBlock, language: str = "pt-BR", **extra: object
) -> SlideBrief:
    return SlideBrief(index=extra.pop("index", 1), count=5, language=language, title=title,
                      blocks=list(blocks), **extra)  # type: ignore[arg-type]  # fmt: skip


def scene(index: int, title: str | None, *blocks: TextBlock, notes: str = "") -> Scene:
    flat = "\n".join([title or "", *(p for b in blocks for p in b.paragraphs)]).strip()
    return Scene(
        index=index,
        slide_number=index + 1,
        title=title,
        script=notes or flat,
        script_source="notes" if notes else ("slide_text" if flat else "none"),
        content=SlideContent(blocks=list(blocks)),
    )


def deck(*scenes: Scene, language: str = "pt-BR") -> Deck:
    return Deck(
        source_name="d.pptx",
        slide_width_emu=12_192_000,
        slide_height_emu=6_858_000,
        slide_count=len(scenes),
        language=language,
        scenes=list(scenes),
    )


def test_given_a_title_cut_mid_phrase_when_written_then_it_is_completed_not_a_fragment() -> None:
    # the real talk: "Welcome to the" in the title box, the city in a text box under it
    written = WRITER.write(brief("Welcome to the", text("Vitória-ES"), index=0))

    assert "the." not in written and "Welcome to the." not in written
    assert written == "Boas-vindas a esta apresentação: Welcome to the Vitória-ES."


def test_given_a_lone_dangling_fragment_when_written_then_the_dangling_word_is_dropped() -> None:
    written = WRITER.write(brief("Cifras", text("Block Ciphers e")))

    assert written == "Cifras.\n\nBlock Ciphers."


def test_given_a_schedule_table_when_written_then_it_is_summarised_not_read_cell_by_cell() -> None:
    rows = [
        ["Horário", "Atividade"],
        ["08:30", "Credenciamento e Welcome Coffee"],
        ["09:30", "Abertura"],
        ["10:00", "SELECT @@VERSION: novidades do SQL Server"],
        ["11:00", "Intervalo"],
    ]
    table = TextBlock(kind="table", rows=rows, top=0.3, bottom=0.9)

    written = WRITER.write(brief("Agenda", table))

    assert written == (
        "Agenda.\n\nA tabela tem 4 linhas, com as colunas Horário e Atividade. "
        "Por exemplo: Horário: 08:30; Atividade: Credenciamento e Welcome Coffee."
    )
    assert "09:30" not in written and "@@" not in written


def test_given_contacts_and_handles_when_written_then_nothing_is_spelled_out() -> None:
    written = WRITER.write(
        brief(
            "Contato",
            text("Dirceu Resende", "dirceu@exemplo.com.br", "Siga @dirceuresende", "Blog: https://dirceuresende.com/blog/x"),
        )
    )  # fmt: skip

    assert "@" not in written and "https" not in written
    assert "O e-mail está no slide." in written
    assert "Siga o perfil no slide." in written
    assert "Blog: uma página de dirceuresende.com." in written


def test_given_short_points_when_written_then_they_are_one_list_sentence_per_language() -> None:
    points = text("Velocidade", "Memória", "Autenticação")

    assert WRITER.write(brief("Critérios", points)).endswith(
        "Os pontos principais são: Velocidade, Memória e Autenticação."
    )
    assert WRITER.write(
        brief("Criteria", text("Speed", "Memory", "Safety"), language="en")
    ).endswith("The key points are: Speed, Memory, and Safety.")
    spanish = brief("Criterios", text("Velocidad", "Memoria", "Integridad"), language="es")
    assert WRITER.write(spanish).endswith("Los puntos clave son: Velocidad, Memoria e Integridad.")


def test_given_a_lead_over_sub_points_when_written_then_the_lead_introduces_them() -> None:
    block = text("Exemplos:", "3DES", "AES", levels=[0, 1, 1])

    assert WRITER.write(brief("Cifras de bloco", block)) == (
        "Cifras de bloco.\n\nExemplos: 3DES e AES."
    )


def test_given_repeated_titles_and_title_only_slides_when_written_then_each_is_introduced() -> None:
    briefs = slide_briefs(
        deck(
            scene(0, "Segurança elétrica"),
            scene(1, "Riscos", text("Choque elétrico causa lesões graves em segundos.")),
            scene(2, "Riscos", text("Arco elétrico queima a pele e os olhos.")),
            scene(3, "Prática"),
        ),
        "pt-BR",
    )

    said = [WRITER.write(b) for b in briefs]

    assert said[0] == "Boas-vindas a esta apresentação: Segurança elétrica."
    assert said[1].startswith("Riscos.\n\n")
    assert said[2].startswith("Ainda sobre Riscos.\n\n")
    assert said[3] == "A seguir: Prática."


def test_given_a_footer_and_slide_numbers_on_every_slide_when_written_then_once_and_never() -> None:
    footer = text("SQL Saturday Vitória-ES · 2019", top=0.93)
    scenes = [
        scene(i, f"Tema {i}", text(f"Conteúdo do tema número {i} explicado."), footer,
              text(str(i + 1), top=0.95))
        for i in range(5)
    ]  # fmt: skip

    said = [WRITER.write(b) for b in slide_briefs(deck(*scenes), "pt-BR")]

    assert "SQL Saturday" in said[0]
    assert not any("SQL Saturday" in s for s in said[1:])
    assert not any(s.rstrip(".").endswith((" 2", " 3", " 4")) for s in said)


def test_given_a_language_without_rules_when_auto_then_the_slide_text_is_read_with_a_warning() -> (
    None
):
    slide = scene(0, "Sicherheit", text("Die Arbeit beginnt erst nach der Freigabe."))
    briefs = slide_briefs(deck(slide, language="de"), "de")

    with pytest.raises(WriterFailed):
        WRITER.write(briefs[0])
    written = write_scene(slide, briefs[0], "auto", Writers(rules=WRITER))

    assert written.script_source == "text" and written.script == slide.script
    assert written.warnings == [
        "script_writer: no rules writer for de; the slide text is read as written"
    ]


def test_given_each_mode_when_scripts_are_chosen_then_notes_text_and_writer_are_used_rightly() -> (
    None
):
    with_notes = scene(0, "Abertura", text("Curso"), notes="Olá, turma!\n\nVamos começar.")
    without = scene(1, "Regras", text("Use o crachá", "Use o capacete", "Use as luvas"))
    empty = scene(2, None)
    source = deck(with_notes, without, empty)
    writers = Writers(rules=WRITER)

    def chosen(mode: str) -> list[tuple[str, str]]:
        out = write_scripts(source, mode, writers, "pt-BR")  # type: ignore[arg-type]
        return [(s.script_source, s.script) for s in out.scenes]

    auto = chosen("auto")
    assert auto[0] == ("notes", "Olá, turma!\n\nVamos começar.")
    assert auto[1][0] == "writer:rules" and auto[1][1].startswith("Regras.\n\n")
    assert auto[2] == ("none", "")
    assert chosen("notes") == [auto[0], ("none", ""), ("none", "")]
    assert chosen("text") == [auto[0], ("text", without.script), ("none", "")]


def test_given_an_edited_scene_when_scripts_are_written_then_the_edit_is_kept() -> None:
    edited = scene(0, "Regras", text("Use o crachá")).model_copy(
        update={"script": "Meu texto.", "script_source": "edited"}
    )

    out = write_scripts(deck(edited), "auto", Writers(rules=WRITER), "pt-BR")

    assert (out.scenes[0].script_source, out.scenes[0].script) == ("edited", "Meu texto.")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("", "empty"),
        ("# Título\nTexto em português para o slide de hoje sobre segurança.", "markdown"),
        ("Veja o site https://exemplo.com.br para saber mais sobre a norma e o treino.", "URL"),
        ("Curto demais.", "words"),
    ],
)
def test_given_an_unusable_answer_when_validated_then_it_is_rejected(
    answer: str, reason: str
) -> None:
    prompt = Prompt(system="", user="", target_words=30, max_tokens=200)

    with pytest.raises(WriterFailed, match=reason):
        validate_answer(answer, brief("Título"), prompt)


def test_given_a_colon_lead_over_long_points_when_written_then_it_leads_the_first() -> None:
    said = WRITER.write(
        brief(
            "Succession pools",
            text(
                "This approach allows us to:",
                "Work out whether we will have the talent we need for specific roles in the future",
                "Target our hiring to fill future gaps as well as the gaps we have today",
            ),
            language="en",
        )
    )

    assert "allows us to." not in said
    assert "this approach allows us to: work out whether we will have the talent" in said.lower()
