"""Speech text: what the voice should say for what the author wrote.

``to_spoken`` keeps the written script as is (it is the caption text) and builds the spoken string
a voice receives, plus aligned spans that map every stretch of one onto the other. Brazilian
Portuguese gets the full treatment (numbers, units, money, dates, times, ordinals, norm names,
abbreviations); English a light path (numbers, units, money, ordinals); other languages only the
glossary and the clean-up of bullets, emoji and URLs. Pure: no I/O.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from num2words import num2words

from estudio.models import SpeechText
from estudio.speech.glossary import Glossary, GlossaryEntry
from estudio.speech.pauses import (
    BLANK_LINE,
    PARAGRAPH_PAUSE_S,
    PAUSE_MARKUP,
    Pause,
    merge_pause,
    pause_seconds,
)

Span = tuple[int, int, int, int]

__all__ = ["Span", "span_at", "to_spoken"]


# --- number words --------------------------------------------------------------------------------
def _words(value: int, lang: str) -> str:
    text = str(num2words(value, lang=lang)).replace(",", "")
    if lang == "pt_BR":
        return re.sub(r"\bcatorze\b", "quatorze", text)
    return text.replace("-", " ")


_FEMININE = {
    "um": "uma",
    "dois": "duas",
    "duzentos": "duzentas",
    "trezentos": "trezentas",
    "quatrocentos": "quatrocentas",
    "quinhentos": "quinhentas",
    "seiscentos": "seiscentas",
    "setecentos": "setecentas",
    "oitocentos": "oitocentas",
    "novecentos": "novecentas",
}


def _feminine(words: str) -> str:
    """'vinte e um' -> 'vinte e uma' (not before milhão/bilhão, which are masculine)."""
    tokens = words.split(" ")
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in _FEMININE and not following.startswith(("milh", "bilh", "trilh")):
            out.append(_FEMININE[token])
        else:
            out.append(token)
    return " ".join(out)


def _ordinal_pt(value: int, feminine: bool) -> str:
    text = str(num2words(value, lang="pt_BR", to="ordinal")).replace(",", "")
    if feminine:
        text = " ".join(w[:-1] + "a" if w.endswith("o") else w for w in text.split(" "))
    return text


def _ordinal_en(value: int) -> str:
    return str(num2words(value, lang="en", to="ordinal")).replace(",", "").replace("-", " ")


@dataclass(frozen=True)
class _Number:
    """A parsed written number: integer part, fraction digits (as written), sign."""

    integer: int
    fraction: str  # "" for integers, else the digits after the separator, leading zeros kept
    negative: bool = False

    @property
    def is_one(self) -> bool:
        return self.integer == 1 and not self.fraction.strip("0") and not self.negative


@dataclass(frozen=True)
class _Lang:
    code: str  # num2words language
    thousands: str
    decimal: str
    point_word: str
    minus_word: str
    percent_word: str
    and_word: str
    units: dict[str, tuple[str, str, bool]]  # symbol -> (singular, plural, feminine)

    def parse(self, text: str) -> _Number:
        negative = text[:1] in "-−"
        body = text.lstrip("-−")
        integer_part, _, fraction = body.partition(self.decimal)
        digits = integer_part.replace(self.thousands, "")
        return _Number(int(digits or "0"), fraction, negative)

    def say(self, number: _Number, feminine: bool = False) -> str:
        words = _words(number.integer, self.code)
        if feminine and self.code == "pt_BR":
            words = _feminine(words)
        if number.fraction:
            zeros = len(number.fraction) - len(number.fraction.lstrip("0"))
            rest = number.fraction.lstrip("0")
            tail = " ".join([_words(0, self.code)] * zeros)
            if rest:
                tail = f"{tail} {_words(int(rest), self.code)}".strip()
            words = f"{words} {self.point_word} {tail}"
        if number.negative:
            words = f"{self.minus_word} {words}"
        return words

    def with_unit(self, number: _Number, symbol: str) -> str:
        singular, plural, feminine = self.units[symbol]
        return f"{self.say(number, feminine)} {singular if number.is_one else plural}"


_PT_UNITS: dict[str, tuple[str, str, bool]] = {
    "kV": ("quilovolt", "quilovolts", False),
    "KV": ("quilovolt", "quilovolts", False),
    "mV": ("milivolt", "milivolts", False),
    "V": ("volt", "volts", False),
    "kA": ("quiloampere", "quiloamperes", False),
    "mA": ("miliampere", "miliamperes", False),
    "A": ("ampere", "amperes", False),
    "kVA": ("quilovolt-ampere", "quilovolts-ampere", False),
    "kWh": ("quilowatt-hora", "quilowatts-hora", False),
    "MW": ("megawatt", "megawatts", False),
    "kW": ("quilowatt", "quilowatts", False),
    "W": ("watt", "watts", False),
    "kHz": ("quilohertz", "quilohertz", False),
    "Hz": ("hertz", "hertz", False),
    "km/h": ("quilômetro por hora", "quilômetros por hora", False),
    "m/s": ("metro por segundo", "metros por segundo", False),
    "km": ("quilômetro", "quilômetros", False),
    "cm": ("centímetro", "centímetros", False),
    "mm": ("milímetro", "milímetros", False),
    "m²": ("metro quadrado", "metros quadrados", False),
    "m2": ("metro quadrado", "metros quadrados", False),
    "m³": ("metro cúbico", "metros cúbicos", False),
    "m3": ("metro cúbico", "metros cúbicos", False),
    "m": ("metro", "metros", False),
    "kg": ("quilograma", "quilogramas", False),
    "mg": ("miligrama", "miligramas", False),
    "g": ("grama", "gramas", False),
    "°C": ("grau Celsius", "graus Celsius", False),
    "ºC": ("grau Celsius", "graus Celsius", False),
    "min": ("minuto", "minutos", False),
    "h": ("hora", "horas", True),
    "s": ("segundo", "segundos", False),
    "dB(A)": ("decibel", "decibéis", False),
    "dBA": ("decibel", "decibéis", False),
    "dB": ("decibel", "decibéis", False),
    "ml": ("mililitro", "mililitros", False),
    "mL": ("mililitro", "mililitros", False),
    "L": ("litro", "litros", False),
    "l": ("litro", "litros", False),
    "lux": ("lux", "lux", False),
    "ppm": ("parte por milhão", "partes por milhão", True),
    "Ω": ("ohm", "ohms", False),
    "°": ("grau", "graus", False),
    "º": ("grau", "graus", False),
}

_EN_UNITS: dict[str, tuple[str, str, bool]] = {
    "kV": ("kilovolt", "kilovolts", False),
    "mV": ("millivolt", "millivolts", False),
    "V": ("volt", "volts", False),
    "mA": ("milliamp", "milliamps", False),
    "A": ("amp", "amps", False),
    "kWh": ("kilowatt hour", "kilowatt hours", False),
    "kW": ("kilowatt", "kilowatts", False),
    "W": ("watt", "watts", False),
    "Hz": ("hertz", "hertz", False),
    "km/h": ("kilometer per hour", "kilometers per hour", False),
    "mph": ("mile per hour", "miles per hour", False),
    "km": ("kilometer", "kilometers", False),
    "cm": ("centimeter", "centimeters", False),
    "mm": ("millimeter", "millimeters", False),
    "m²": ("square meter", "square meters", False),
    "m³": ("cubic meter", "cubic meters", False),
    "m": ("meter", "meters", False),
    "kg": ("kilogram", "kilograms", False),
    "g": ("gram", "grams", False),
    "lb": ("pound", "pounds", False),
    "ft": ("foot", "feet", False),
    "°C": ("degree Celsius", "degrees Celsius", False),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit", False),
    "min": ("minute", "minutes", False),
    "h": ("hour", "hours", False),
    "s": ("second", "seconds", False),
    "dB": ("decibel", "decibels", False),
    "°": ("degree", "degrees", False),
}

_PT = _Lang("pt_BR", ".", ",", "vírgula", "menos", "por cento", "e", _PT_UNITS)
_EN = _Lang("en", ",", ".", "point", "minus", "percent", "and", _EN_UNITS)

_MONTHS_PT = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)

_LETTERS_PT = {
    "A": "á", "B": "bê", "C": "cê", "D": "dê", "E": "é", "F": "éfe", "G": "gê", "H": "agá",
    "I": "í", "J": "jota", "K": "cá", "L": "éle", "M": "eme", "N": "ene", "O": "ó", "P": "pê",
    "Q": "quê", "R": "erre", "S": "ésse", "T": "tê", "U": "u", "V": "vê", "W": "dáblio",
    "X": "xis", "Y": "ípsilon", "Z": "zê",
}  # fmt: skip

_ABBREVIATIONS_PT: dict[str, str] = {
    "Sr.": "senhor",
    "Sra.": "senhora",
    "Srs.": "senhores",
    "Dr.": "doutor",
    "Dra.": "doutora",
    "Eng.": "engenheiro",
    "Profa.": "professora",
    "Prof.": "professor",
    "etc.": "etcétera.",
    "Ex.:": "exemplo:",
    "ex.:": "exemplo:",
    "p.ex.": "por exemplo",
    "p. ex.": "por exemplo",
    "pág.": "página",
    "Obs.:": "observação:",
    "obs.:": "observação:",
    "n.º": "número",
    "n.°": "número",
    "nº": "número",
    "Nº": "número",
    "N°": "número",
    "n°": "número",
    "art.": "artigo",
    "Art.": "artigo",
    "máx.": "máximo",
    "mín.": "mínimo",
    "aprox.": "aproximadamente",
}
_ABBREVIATIONS_EN: dict[str, str] = {
    "Mr.": "mister",
    "Mrs.": "missus",
    "Dr.": "doctor",
    "e.g.": "for example",
    "i.e.": "that is",
    "etc.": "etcetera.",
    "No.": "number",
    "approx.": "approximately",
}

_SYMBOLS_PT = {"&": "e", "+": "mais", "=": "igual a", "%": "por cento", "§": "parágrafo",
               "@": "arroba", "×": "vezes", "≥": "maior ou igual a", "≤": "menor ou igual a",
               ">": "maior que", "<": "menor que", "°": "graus", "º": "", "ª": ""}  # fmt: skip
_SYMBOLS_EN = {"&": "and", "+": "plus", "=": "equals", "%": "percent", "§": "section",
               "@": "at", "×": "times", "≥": "at least", "≤": "at most", ">": "greater than",
               "<": "less than", "°": "degrees"}  # fmt: skip

_BULLETS = "•◦▪▫■□►▶▸➢➤✓✔✗✘→⇒➔-–—*·○●"
_DASHES = "–—"  # between words: a pause
_SENTENCE_END = ".!?:;,"
_WORD = re.compile(r"[\w\u0300-\u036f]+")


# --- the builder ---------------------------------------------------------------------------------
class _Builder:
    def __init__(self, written: str) -> None:
        self.written = written
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.pauses: list[Pause] = []
        self.length = 0

    def add(self, w_start: int, w_end: int, spoken: str) -> None:
        spoken = unicodedata.normalize("NFC", spoken)
        if self.spans and self.spans[-1][1] != w_start:  # pragma: no cover - internal invariant
            raise AssertionError("spans must be contiguous")
        self.parts.append(spoken)
        self.spans.append((w_start, w_end, self.length, self.length + len(spoken)))
        self.length += len(spoken)

    def pause(self, seconds: float) -> None:
        """Silence at the current end of the spoken text."""
        merge_pause(self.pauses, self.length, seconds, "".join(self.parts))

    @property
    def tail(self) -> str:
        for part in reversed(self.parts):
            if part:
                return part
        return ""

    def result(self) -> SpeechText:
        return SpeechText(
            written=self.written, spoken="".join(self.parts), spans=self.spans, pauses=self.pauses
        )


Handler = Callable[[re.Match[str]], str | None]

_NUM_PT = r"[-−]?(?:\d{1,3}(?:\.\d{3})+(?!\d)|\d+)(?:,\d+)?"
_NUM_EN = r"[-−]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"


def _unit_alternation(units: dict[str, tuple[str, str, bool]]) -> str:
    symbols = sorted(units, key=len, reverse=True)
    return "|".join(re.escape(s) for s in symbols)


def _glossary_pattern(glossary: Glossary | None) -> re.Pattern[str] | None:
    if glossary is None or not glossary.entries:
        return None
    entries = sorted(glossary.entries, key=lambda e: len(e.term), reverse=True)
    alternatives: list[str] = []
    for entry in entries:
        body = re.escape(entry.term)
        if getattr(entry, "whole_word", True):
            body = rf"{body}(?!\w)"
        alternatives.append(body if entry.case_sensitive else f"(?i:{body})")
    return re.compile("|".join(alternatives))


def _glossary_lookup(glossary: Glossary | None) -> Callable[[str], GlossaryEntry | None]:
    exact: dict[str, GlossaryEntry] = {}
    folded: dict[str, GlossaryEntry] = {}
    for entry in glossary.entries if glossary else []:
        if entry.case_sensitive:
            exact[entry.term] = entry
        else:
            folded[entry.term.casefold()] = entry

    def lookup(term: str) -> GlossaryEntry | None:
        return exact.get(term) or folded.get(term.casefold())

    return lookup


class _Normaliser:
    """Rules tried in order at each position of the written text; the first that speaks wins."""

    def __init__(self, language: str, glossary: Glossary | None) -> None:
        primary = language.split("-")[0].lower()
        self.lang: _Lang | None = {"pt": _PT, "en": _EN}.get(primary)
        self.is_pt = primary == "pt"
        self.lookup = _glossary_lookup(glossary)
        glossary_re = _glossary_pattern(glossary)
        self.lookup_any = glossary_re
        rules: list[tuple[re.Pattern[str], Handler, bool]] = []

        def rule(pattern: str, handler: Handler, word_start: bool = True, flags: int = 0) -> None:
            rules.append((re.compile(pattern, flags), handler, word_start))

        rule(r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]]", self._url)
        rule(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", self._email)
        # a bare domain ("cast.org", "ganesh.icmc.usp.br"): one word, its dots read
        rule(
            r"(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|io|br|pt|es|uk|au|de)(?:\.[a-z]{2})?"
            r"(?![\w@/-])",
            self._url,
            flags=re.IGNORECASE,
        )
        num = _NUM_PT if self.is_pt else _NUM_EN
        if self.lang is not None and self.is_pt:
            rule(
                rf"(R\$|US\$|€)\s?({num})(?:\s(mil|milhões|milhão|bilhões|bilhão)(?!\w))?",
                self._money_pt,
            )
            rule(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])", self._date_pt)
            rule(r"(\d{2})/(\d{2})(?![\d/])", self._date_pt)
            rule(r"(\d{1,2})\s?h\s?(\d{2})(?:\s?min)?(?!\w)", self._time_pt)
            rule(r"(\d{1,2})h(?!\w)", self._time_pt)
            rule(r"([01]?\d|2[0-3]):([0-5]\d)(?![\d:])", self._time_pt)
            rule(
                r"(ABNT\s+NBR\s+ISO|NBR\s+ISO|ABNT\s+NBR|NBR|NR|ISO|IEC|NHO)"
                r"(?:\s?[-–]\s?|\s)?(\d+(?:[.:]\d+)*)(?!\d)",
                self._norm_pt,
            )
        elif self.lang is not None:
            rule(rf"(\$|US\$|€|£)\s?({num})", self._money_en)
        if glossary_re is not None:
            rules.append((glossary_re, self._glossary, True))
        if self.lang is not None:
            units = _unit_alternation(self.lang.units)
            if self.is_pt:
                rule(r"(\d+)\.?([ºª])(?![\w])", self._ordinal_pt)
            else:
                rule(r"(\d+)(st|nd|rd|th)(?!\w)", self._ordinal_en)
            rule(rf"({num})\s?[-–]\s?({num})(?:\s?({units}|%)(?![\w²³]))?", self._range)
            rule(rf"({num})\s?%", self._percent)
            rule(rf"({num})\s?({units})(?![\w²³])", self._number_unit)
            rule(r"(\d+)\s?[xX](?!\w)", self._times)
        abbreviations = _ABBREVIATIONS_PT if self.is_pt else _ABBREVIATIONS_EN
        if self.lang is not None:
            alternation = "|".join(
                re.escape(a) for a in sorted(abbreviations, key=len, reverse=True)
            )
            rule(rf"(?:{alternation})(?!\w)", lambda m: abbreviations[m.group(0)])
            if self.is_pt:
                rule(r"\d+(?:\.\d+){1,}(?![\d,])", self._dotted)  # 10.2.8, 1.5
            rule(num, self._number)
        self.rules = rules
        self.symbols = (_SYMBOLS_PT if self.is_pt else _SYMBOLS_EN) if self.lang else {}

    # --- rule handlers ---------------------------------------------------------------------------
    def _say(self, text: str, feminine: bool = False) -> str:
        assert self.lang is not None
        return self.lang.say(self.lang.parse(text), feminine)

    def _dot_word(self) -> str:
        return "ponto" if self.is_pt or self.lang is None else "dot"

    def _url(self, m: re.Match[str]) -> str:
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group(0)).split("/")[0]
        host = host.split(":")[0]
        return f" {self._dot_word()} ".join(p for p in host.split(".") if p)

    def _email(self, m: re.Match[str]) -> str:
        user, _, host = m.group(0).partition("@")
        at = "arroba" if self.is_pt or self.lang is None else "at"
        dot = f" {self._dot_word()} "
        return f"{dot.join(user.split('.'))} {at} {dot.join(host.split('.'))}"

    def _money_pt(self, m: re.Match[str]) -> str:
        symbol, amount, scale = m.group(1), m.group(2), m.group(3)
        singular, plural = {"R$": ("real", "reais"), "US$": ("dólar", "dólares")}.get(
            symbol, ("euro", "euros")
        )
        number = _PT.parse(amount)
        if scale:
            return f"{_PT.say(number)} {scale} de {plural}"
        cents = int((number.fraction + "00")[:2]) if number.fraction else 0
        parts: list[str] = []
        if number.integer:
            main = _words(number.integer, "pt_BR")
            joiner = " de " if re.search(r"(milhão|milhões|bilhão|bilhões)$", main) else " "
            parts.append(main + joiner + (singular if number.integer == 1 else plural))
        if cents:
            parts.append(f"{_words(cents, 'pt_BR')} {'centavo' if cents == 1 else 'centavos'}")
        if not parts:
            return f"zero {plural}"
        return " e ".join(parts)

    def _money_en(self, m: re.Match[str]) -> str:
        symbol, amount = m.group(1), m.group(2)
        singular, plural = {"€": ("euro", "euros"), "£": ("pound", "pounds")}.get(
            symbol, ("dollar", "dollars")
        )
        number = _EN.parse(amount)
        cents = int((number.fraction + "00")[:2]) if number.fraction else 0
        parts: list[str] = []
        if number.integer:
            noun = singular if number.integer == 1 else plural
            parts.append(f"{_words(number.integer, 'en')} {noun}")
        if cents:
            parts.append(f"{_words(cents, 'en')} {'cent' if cents == 1 else 'cents'}")
        return " and ".join(parts) or f"zero {plural}"

    def _date_pt(self, m: re.Match[str]) -> str | None:
        day, month = int(m.group(1)), int(m.group(2))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return None
        said = "primeiro" if day == 1 else _words(day, "pt_BR")
        text = f"{said} de {_MONTHS_PT[month - 1]}"
        if m.lastindex is not None and m.lastindex >= 3:
            year = int(m.group(3))
            if len(m.group(3)) == 2:
                year += 2000
            text += f" de {_words(year, 'pt_BR')}"
        return text

    def _time_pt(self, m: re.Match[str]) -> str | None:
        hours = int(m.group(1))
        minutes = int(m.group(2)) if m.lastindex is not None and m.lastindex >= 2 else 0
        if hours > 24 or minutes > 59:
            return None
        text = f"{_feminine(_words(hours, 'pt_BR'))} {'hora' if hours == 1 else 'horas'}"
        if minutes:
            text += f" e {_words(minutes, 'pt_BR')} {'minuto' if minutes == 1 else 'minutos'}"
        return text

    def _norm_pt(self, m: re.Match[str]) -> str:
        prefix, number = m.group(1), m.group(2)
        said_prefix = " ".join(self._acronym(p) for p in prefix.split())
        head, *rest = re.split(r"[.:]", number)
        separators = re.findall(r"[.:]", number)
        if prefix.endswith("NBR") and len(head) == 4 and head[0] != "0":
            first, second = head[:2], head[2:]
            second_said = (
                f"zero {_words(int(second), 'pt_BR')}"
                if second.startswith("0")
                else _words(int(second), "pt_BR")
            )
            said_number = f"{_words(int(first), 'pt_BR')} {second_said}"
        else:
            said_number = _words(int(head), "pt_BR")
        for separator, part in zip(separators, rest, strict=True):
            joiner = "ponto" if separator == "." else "de"
            said_number += f" {joiner} {_words(int(part), 'pt_BR')}"
        return f"{said_prefix} {said_number}"

    def _acronym(self, term: str) -> str:
        entry = self.lookup(term)
        if entry is not None:
            return entry.spoken
        if term in ("ISO", "IEC"):
            return term.lower()
        return " ".join(_LETTERS_PT.get(c, c) for c in term)

    def _ordinal_pt(self, m: re.Match[str]) -> str:
        return _ordinal_pt(int(m.group(1)), feminine=m.group(2) == "ª")

    def _ordinal_en(self, m: re.Match[str]) -> str:
        return _ordinal_en(int(m.group(1)))

    def _range(self, m: re.Match[str]) -> str:
        assert self.lang is not None
        low, high, unit = m.group(1), m.group(2), m.group(3)
        between = "a" if self.is_pt else "to"
        if unit == "%":
            return f"{self._say(low)} {between} {self._say(high)} {self.lang.percent_word}"
        if unit:
            feminine = self.lang.units[unit][2]
            said_high = self.lang.with_unit(self.lang.parse(high), unit)
            return f"{self._say(low, feminine)} {between} {said_high}"
        return f"{self._say(low)} {between} {self._say(high)}"

    def _percent(self, m: re.Match[str]) -> str:
        assert self.lang is not None
        return f"{self._say(m.group(1))} {self.lang.percent_word}"

    def _number_unit(self, m: re.Match[str]) -> str:
        assert self.lang is not None
        return self.lang.with_unit(self.lang.parse(m.group(1)), m.group(2))

    def _times(self, m: re.Match[str]) -> str:
        word = "vezes" if self.is_pt else "times"
        if not self.is_pt and m.group(1) == "1":
            word = "time"
        return f"{self._say(m.group(1), feminine=self.is_pt)} {word}"

    def _glossary(self, m: re.Match[str]) -> str | None:
        entry = self.lookup(m.group(0))
        return entry.spoken if entry is not None else None

    def _dotted(self, m: re.Match[str]) -> str | None:
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", m.group(0)):
            return None  # thousands: the number rule reads it
        return " ponto ".join(_words(int(p), "pt_BR") for p in m.group(0).split("."))

    def _number(self, m: re.Match[str]) -> str:
        return self._say(m.group(0))

    # --- driver ----------------------------------------------------------------------------------
    def run(self, written: str) -> SpeechText:
        out = _Builder(written)
        pos = 0
        n = len(written)
        while pos < n:
            pause = PAUSE_MARKUP.match(written, pos) if written[pos] == "[" else None
            if pause is not None:  # never spoken; a word break, so words on each side stay apart
                tail = out.tail
                out.add(pos, pause.end(), " " if tail and not tail[-1].isspace() else "")
                out.pause(pause_seconds(pause))
                pos = pause.end()
                continue
            at_word_start = pos == 0 or not written[pos - 1].isalnum()
            best: tuple[int, str] | None = None
            for pattern, handler, word_start in self.rules:
                if word_start and not at_word_start:
                    continue
                m = pattern.match(written, pos)
                if m is None or m.end() == pos:
                    continue
                spoken = handler(m)
                if spoken is None:
                    continue
                # The first rule that matches wins, except that a glossary term at least as long
                # wins over it: an author's "NR-10" entry beats the norm reading, the shipped
                # "NR" entry does not.
                if best is None:
                    best = (m.end(), spoken)
                    if handler != self._glossary and at_word_start and self.lookup_any:
                        term = self.lookup_any.match(written, pos)
                        if term is not None and term.end() >= m.end():
                            glossary_spoken = self._glossary(term)
                            if glossary_spoken is not None:
                                best = (term.end(), glossary_spoken)
                break
            if best is not None:
                out.add(pos, best[0], best[1])
                pos = best[0]
                continue
            pos = self._plain(written, pos, out)
        return out.result()

    def _plain(self, written: str, pos: int, out: _Builder) -> int:
        """Words, whitespace, bullets, symbols and anything else; returns the next position."""
        ch = written[pos]
        line_start = written.rfind("\n", 0, pos) + 1
        if ch in _BULLETS and not written[line_start:pos].strip():
            end = pos + 1
            while end < len(written) and written[end] in _BULLETS:
                end += 1
            if end >= len(written) or written[end].isspace():
                out.add(pos, end, "")
                return end
        if ch.isspace():
            end = pos + 1
            while end < len(written) and written[end].isspace():
                end += 1
            tail = out.tail
            if not tail or tail[-1].isspace():
                spoken = ""
            elif "\n" in written[pos:end] and tail.rstrip()[-1:] not in _SENTENCE_END:
                spoken = ". "
            else:
                spoken = " "
            out.add(pos, end, spoken)
            if BLANK_LINE.search(written, pos, end) and pos > 0 and end < len(written):
                out.pause(PARAGRAPH_PAUSE_S)  # a blank line between paragraphs
            return end
        if ch.isalnum():
            m = _WORD.match(written, pos)
            end = m.end() if m else pos + 1
            out.add(pos, end, written[pos:end])
            return end
        if ch in _DASHES:
            out.add(pos, pos + 1, ",")
            return pos + 1
        if ch == "/" and self.lang is not None:
            between_words = 0 < pos < len(written) - 1 and written[pos - 1].isalpha()
            out.add(
                pos, pos + 1, " " if between_words else f" {'barra' if self.is_pt else 'slash'} "
            )
            return pos + 1
        if ch in self.symbols:
            word = self.symbols[ch]
            out.add(pos, pos + 1, f" {word} " if word else "")
            return pos + 1
        category = unicodedata.category(ch)
        if category in ("So", "Sk", "Cf", "Co", "Cs", "Cn") or ch in "\ufe0f\ufe0e\u200d":
            out.add(pos, pos + 1, "")  # emoji, pictographs, joiners: not read
            return pos + 1
        if category == "Mn" and pos > 0 and not written[pos - 1].isalpha():
            out.add(pos, pos + 1, "")
            return pos + 1
        out.add(pos, pos + 1, ch)
        return pos + 1


def to_spoken(text: str, language: str = "pt-BR", glossary: Glossary | None = None) -> SpeechText:
    """What a voice should say for ``text``; ``written`` stays ``text`` exactly.

    ``spans`` are contiguous, in order, and cover both strings from the first character to the
    last, so a position in the spoken text maps back to the written words it came from.
    """
    return _Normaliser(language, glossary).run(text)


def span_at(spans: list[Span], spoken_position: int) -> int:
    """Index of the span whose spoken range holds ``spoken_position`` (0-based).

    Spans with an empty spoken range are skipped; a position past the end maps to the last span.
    """
    filled = [i for i, s in enumerate(spans) if s[3] > s[2]]
    if not filled:
        return 0
    starts = [spans[i][2] for i in filled]
    return filled[max(bisect.bisect_right(starts, spoken_position) - 1, 0)]
