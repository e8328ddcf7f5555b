"""to_spoken: what the voice says for what the author wrote (pt-BR first, English light)."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from estudio.models import SpeechText
from estudio.speech.glossary import Glossary, GlossaryEntry, default_glossary
from estudio.speech.spans import span_at
from estudio.speech.text import to_spoken

GLOSSARY = default_glossary("pt-BR")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# (written, expected spoken) with the default pt-BR glossary
PT_CASES: list[tuple[str, str]] = [
    # integers and thousands
    ("0", "zero"),
    ("1", "um"),
    ("7", "sete"),
    ("14", "quatorze"),
    ("16", "dezesseis"),
    ("21", "vinte e um"),
    ("100", "cem"),
    ("101", "cento e um"),
    ("1.500", "mil e quinhentos"),
    ("10.000", "dez mil"),
    ("5.410", "cinco mil quatrocentos e dez"),
    ("1.000.000", "um milhão"),
    ("2.000.000", "dois milhões"),
    ("1500", "mil e quinhentos"),
    ("São 3 etapas", "São três etapas"),
    # decimals with comma
    ("13,8", "treze vírgula oito"),
    ("0,5", "zero vírgula cinco"),
    ("0,05", "zero vírgula zero cinco"),
    ("2,35", "dois vírgula trinta e cinco"),
    ("1.500,5", "mil e quinhentos vírgula cinco"),
    ("-3", "menos três"),
    # units, singular and plural
    ("1 m", "um metro"),
    ("2 m", "dois metros"),
    ("13,8 kV", "treze vírgula oito quilovolts"),
    ("1 kV", "um quilovolt"),
    ("220 V", "duzentos e vinte volts"),
    ("220V", "duzentos e vinte volts"),
    ("1 V", "um volt"),
    ("30 mA", "trinta miliamperes"),
    ("1 A", "um ampere"),
    ("10 A", "dez amperes"),
    ("100 W", "cem watts"),
    ("5 kW", "cinco quilowatts"),
    ("150 kWh", "cento e cinquenta quilowatts-hora"),
    ("60 Hz", "sessenta hertz"),
    ("2 cm", "dois centímetros"),
    ("1 mm", "um milímetro"),
    ("3 km", "três quilômetros"),
    ("60 km/h", "sessenta quilômetros por hora"),
    ("1 km/h", "um quilômetro por hora"),
    ("25 kg", "vinte e cinco quilogramas"),
    ("500 g", "quinhentos gramas"),
    ("40 °C", "quarenta graus Celsius"),
    ("1 °C", "um grau Celsius"),
    ("-5 °C", "menos cinco graus Celsius"),
    ("10 m²", "dez metros quadrados"),
    ("1 m³", "um metro cúbico"),
    ("2 h", "duas horas"),
    ("1 h", "uma hora"),
    ("21 h", "vinte e uma horas"),
    ("15 min", "quinze minutos"),
    ("1 min", "um minuto"),
    ("30 s", "trinta segundos"),
    ("85 dB", "oitenta e cinco decibéis"),
    ("1,5 m", "um vírgula cinco metros"),
    ("2 m de altura", "dois metros de altura"),
    ("30°", "trinta graus"),
    # percentages
    ("75%", "setenta e cinco por cento"),
    ("100 %", "cem por cento"),
    ("12,5%", "doze vírgula cinco por cento"),
    ("1%", "um por cento"),
    # currency
    ("R$ 1.500,00", "mil e quinhentos reais"),
    ("R$ 0,50", "cinquenta centavos"),
    ("R$ 2,35", "dois reais e trinta e cinco centavos"),
    ("R$ 1,00", "um real"),
    ("R$ 0,01", "um centavo"),
    ("R$1.000.000,00", "um milhão de reais"),
    ("R$ 2 milhões", "dois milhões de reais"),
    ("R$ 10", "dez reais"),
    ("US$ 5", "cinco dólares"),
    # ordinals
    ("1º", "primeiro"),
    ("2ª", "segunda"),
    ("10º", "décimo"),
    ("3ª", "terceira"),
    ("21º", "vigésimo primeiro"),
    ("1ª", "primeira"),
    # dates
    ("23/11/2026", "vinte e três de novembro de dois mil e vinte e seis"),
    ("01/05/2025", "primeiro de maio de dois mil e vinte e cinco"),
    ("7/9/22", "sete de setembro de dois mil e vinte e dois"),
    ("25/12", "vinte e cinco de dezembro"),
    # times
    ("14h30", "quatorze horas e trinta minutos"),
    ("8h", "oito horas"),
    ("1h", "uma hora"),
    ("12h05", "doze horas e cinco minutos"),
    ("14:30", "quatorze horas e trinta minutos"),
    ("9h01", "nove horas e um minuto"),
    ("22h00", "vinte e duas horas"),
    # norms
    ("NR-10", "ene erre dez"),
    ("NR 35", "ene erre trinta e cinco"),
    ("NR10", "ene erre dez"),
    ("NBR 5410", "ene bê erre cinquenta e quatro dez"),
    ("NBR 5419", "ene bê erre cinquenta e quatro dezenove"),
    ("ISO 9001", "iso nove mil e um"),
    ("ISO 45001", "iso quarenta e cinco mil e um"),
    ("NR-10.2.8", "ene erre dez ponto dois ponto oito"),
    ("ABNT NBR 5410", "a bê ene tê ene bê erre cinquenta e quatro dez"),
    ("ISO 9001:2015", "iso nove mil e um de dois mil e quinze"),
    # glossary acronyms
    ("EPI", "é pê í"),
    ("EPC", "é pê cê"),
    ("CIPA", "cipa"),
    ("SESMT", "sésmiti"),
    ("Use o EPI.", "Use o é pê í."),
    ("epi", "é pê í"),
    ("EPIs", "é pê ís"),
    ("EPIX", "EPIX"),
    ("A CIPA e o SESMT", "A cipa e o sésmiti"),
    ("PGR e ASO", "pê gê erre e á ésse ó"),
    # symbols, ranges, multipliers
    ("a & b", "a e b"),
    ("EPI + EPC", "é pê í mais é pê cê"),
    ("10-20", "dez a vinte"),
    ("10 a 20 kV", "dez a vinte quilovolts"),
    ("10-20 kV", "dez a vinte quilovolts"),
    ("2-4 h", "duas a quatro horas"),
    ("3x", "três vezes"),
    ("2 x", "duas vezes"),
    ("e/ou", "e ou"),
    ("nº 5", "número cinco"),
    ("Nº 12", "número doze"),
    ("§ 2", "parágrafo dois"),
    ("10.2.8", "dez ponto dois ponto oito"),
    # abbreviations
    ("Sr. Silva", "senhor Silva"),
    ("Dra. Ana", "doutora Ana"),
    ("luvas, botas etc.", "luvas, botas etcétera."),
    # bullets, emoji, URLs, e-mail, layout
    ("• Item um", "Item um"),
    ("- Item um", "Item um"),
    ("Cuidado ⚠️ agora", "Cuidado agora"),
    ("Olá 😀", "Olá"),
    ("Título\nTexto", "Título. Texto"),
    ("Fim.\nInício", "Fim. Início"),
    ("Veja https://www.gov.br/trabalho.", "Veja gov ponto br."),
    ("Acesse www.exemplo.com.br", "Acesse exemplo ponto com ponto br"),
    ("contato@empresa.com.br", "contato arroba empresa ponto com ponto br"),
    ("alta tensão — cuidado", "alta tensão , cuidado"),
    # plain text stays
    ("Bem-vindos ao treinamento!", "Bem-vindos ao treinamento!"),
    ("Atenção: ação imediata.", "Atenção: ação imediata."),
    ("", ""),
]

EN_CASES: list[tuple[str, str]] = [
    ("1,500", "one thousand five hundred"),
    ("13.8 kV", "thirteen point eight kilovolts"),
    ("75%", "seventy five percent"),
    ("$1,500.00", "one thousand five hundred dollars"),
    ("$2.35", "two dollars and thirty five cents"),
    ("1st", "first"),
    ("2nd step", "second step"),
    ("1 m", "one meter"),
    ("2 m", "two meters"),
    ("60 km/h", "sixty kilometers per hour"),
    ("Safety & health", "Safety and health"),
    ("10-20 V", "ten to twenty volts"),
]


@pytest.mark.parametrize(("written", "spoken"), PT_CASES)
def test_given_ptbr_text_when_normalised_then_reads_like_an_instructor(
    written: str, spoken: str
) -> None:
    result = to_spoken(written, "pt-BR", GLOSSARY)
    assert _norm(result.spoken) == spoken
    assert result.written == written


@pytest.mark.parametrize(("written", "spoken"), EN_CASES)
def test_given_english_text_when_normalised_then_light_path_reads_it(
    written: str, spoken: str
) -> None:
    assert _norm(to_spoken(written, "en").spoken) == spoken


def test_given_enough_cases_then_the_table_has_at_least_100() -> None:
    assert len(PT_CASES) + len(EN_CASES) >= 100


def test_given_no_glossary_when_acronym_then_left_for_the_voice() -> None:
    assert to_spoken("Use o EPI.", "pt-BR").spoken == "Use o EPI."


def test_given_no_glossary_when_norm_then_letters_are_spelled() -> None:
    assert _norm(to_spoken("NR-10", "pt-BR").spoken) == "ene erre dez"


def test_given_case_sensitive_entry_when_other_case_then_not_replaced() -> None:
    glossary = Glossary(entries=[GlossaryEntry(term="PT", spoken="pê tê", case_sensitive=True)])
    assert _norm(to_spoken("PT e pt", "pt-BR", glossary).spoken) == "pê tê e pt"


def test_given_partial_entry_when_inside_a_word_then_replaced() -> None:
    glossary = Glossary(entries=[GlossaryEntry(term="Eletro", spoken="eléctro", whole_word=False)])
    assert _norm(to_spoken("Eletrobras", "pt-BR", glossary).spoken) == "eléctrobras"


def test_given_project_layer_when_merged_then_overrides_default() -> None:
    project = Glossary.parse_tsv("EPI\tequipamento de proteção individual\n")
    merged = GLOSSARY.merged(project)
    assert _norm(to_spoken("EPI", "pt-BR", merged).spoken) == "equipamento de proteção individual"
    assert merged.version != GLOSSARY.version


def test_given_spanish_when_normalised_then_only_cleanup_applies() -> None:
    result = to_spoken("• Hola 😀 mundo 12", "es")
    assert _norm(result.spoken) == "Hola mundo 12"


# --- spans ---------------------------------------------------------------------------------------
def _assert_spans_cover(result: SpeechText) -> None:
    spans = result.spans
    if not result.written and not result.spoken:
        assert spans == []
        return
    assert spans[0][0] == 0 and spans[0][2] == 0
    assert spans[-1][1] == len(result.written)
    assert spans[-1][3] == len(result.spoken)
    for (ws, we, ss, se), (nws, _, nss, _) in itertools.pairwise(spans):
        assert ws <= we == nws
        assert ss <= se == nss
    for ws, we, ss, se in spans:
        assert we >= ws and se >= ss
        assert we > ws or se > ss  # no empty span


@pytest.mark.parametrize(("written", "_spoken"), PT_CASES)
def test_given_any_case_when_normalised_then_spans_cover_both_strings_in_order(
    written: str, _spoken: str
) -> None:
    _assert_spans_cover(to_spoken(written, "pt-BR", GLOSSARY))


_ALPHABET = [
    *"abc ÁÉçã\n\t.,;:!?-–—/%&+•😀⚠️$º°ª",
    "R$ ",
    "1.500",
    "13,8",
    " kV",
    "NR-",
    "NBR ",
    "EPI",
    "14h30",
    "23/11/2026",
    "https://x.org/a",
    "km/h",
    "12",
    "0",
    " m",
    "%",
]


@pytest.mark.parametrize("seed", range(60))
def test_given_random_text_when_normalised_then_spans_still_cover_and_map_back(seed: int) -> None:
    rng = random.Random(seed)
    written = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40)))
    language = rng.choice(["pt-BR", "en", "es"])
    result = to_spoken(written, language, GLOSSARY)
    assert result.written == written
    _assert_spans_cover(result)
    for ws, we, ss, se in result.spans:  # identity spans really are identical text
        if written[ws:we] == result.spoken[ss:se]:
            continue
        assert we > ws  # every spoken piece comes from some written text


def test_given_spoken_position_when_span_at_then_finds_the_written_word() -> None:
    result = to_spoken("Use EPI em 13,8 kV.", "pt-BR", GLOSSARY)
    position = result.spoken.index("quilovolts")
    ws, we, _, _ = result.spans[span_at(result.spans, position)]
    assert result.written[ws:we] == "13,8 kV"
    position = result.spoken.index("pê")
    ws, we, _, _ = result.spans[span_at(result.spans, position)]
    assert result.written[ws:we] == "EPI"


def test_given_position_past_the_end_when_span_at_then_last_spoken_span() -> None:
    result = to_spoken("Olá 😀", "pt-BR")
    index = span_at(result.spans, len(result.spoken) + 5)
    assert result.spans[index][3] > result.spans[index][2]


def test_given_an_author_glossary_entry_then_it_beats_the_built_in_reading() -> None:
    from estudio.speech.glossary import GlossaryEntry, default_glossary

    own = Glossary(entries=[GlossaryEntry(term="NR-10", spoken="norma regulamentadora dez")])
    merged = default_glossary("pt-BR").merged(own)
    spoken = to_spoken("A NR-10 e a NR-35 pedem EPI.", "pt-BR", merged).spoken
    assert spoken == "A norma regulamentadora dez e a ene erre trinta e cinco pedem é pê í."


def test_given_the_shipped_short_term_then_the_longer_norm_reading_still_wins() -> None:
    from estudio.speech.glossary import default_glossary

    assert to_spoken("A NR-10.", "pt-BR", default_glossary("pt-BR")).spoken == "A ene erre dez."
