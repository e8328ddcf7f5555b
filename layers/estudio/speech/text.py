"""Speech text: what the voice should say for what the author wrote.

``to_spoken`` keeps the written script as is (it is the caption text) and builds the spoken string
a voice receives, plus aligned spans that map every stretch of one onto the other. Brazilian
Portuguese gets the full treatment (numbers, units, money, dates, times, ordinals, norm names,
abbreviations); English a light path (numbers, units, money, ordinals); other languages only the
glossary and the clean-up of bullets, emoji and URLs. Pure: no I/O.

This module holds the rules and the pass over the text (``_Normaliser``); numbers are said by
``number_words``, the word tables (units, abbreviations, symbols) live in ``lexicon`` and the
spans are built and looked up by ``spans`` (``SpanBuilder``, ``span_at``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from estudio.models import SpeechText
from estudio.speech.glossary import Glossary, GlossaryEntry
from estudio.speech.lexicon import (
    ABBREVIATIONS_EN,
    ABBREVIATIONS_PT,
    BULLETS,
    DASHES,
    EN,
    LETTERS_PT,
    MONTHS_PT,
    PT,
    SENTENCE_END,
    SYMBOLS_EN,
    SYMBOLS_PT,
    WORD,
)
from estudio.speech.number_words import (
    NUM_EN,
    NUM_PT,
    Lang,
    feminine_words,
    number_words,
    ordinal_en,
    ordinal_pt,
    unit_alternation,
)
from estudio.speech.pauses import BLANK_LINE, PARAGRAPH_PAUSE_S, PAUSE_MARKUP, pause_seconds
from estudio.speech.spans import SpanBuilder

__all__ = ["to_spoken"]


Handler = Callable[[re.Match[str]], str | None]


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
        self.lang: Lang | None = {"pt": PT, "en": EN}.get(primary)
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
        num = NUM_PT if self.is_pt else NUM_EN
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
            units = unit_alternation(self.lang.units)
            if self.is_pt:
                rule(r"(\d+)\.?([ºª])(?![\w])", self._ordinal_pt)
            else:
                rule(r"(\d+)(st|nd|rd|th)(?!\w)", self._ordinal_en)
            rule(rf"({num})\s?[-–]\s?({num})(?:\s?({units}|%)(?![\w²³]))?", self._range)
            rule(rf"({num})\s?%", self._percent)
            rule(rf"({num})\s?({units})(?![\w²³])", self._number_unit)
            rule(r"(\d+)\s?[xX](?!\w)", self._times)
        abbreviations = ABBREVIATIONS_PT if self.is_pt else ABBREVIATIONS_EN
        if self.lang is not None:
            alternation = "|".join(
                re.escape(a) for a in sorted(abbreviations, key=len, reverse=True)
            )
            rule(rf"(?:{alternation})(?!\w)", lambda m: abbreviations[m.group(0)])
            if self.is_pt:
                rule(r"\d+(?:\.\d+){1,}(?![\d,])", self._dotted)  # 10.2.8, 1.5
            rule(num, self._number)
        self.rules = rules
        self.symbols = (SYMBOLS_PT if self.is_pt else SYMBOLS_EN) if self.lang else {}

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
        number = PT.parse(amount)
        if scale:
            return f"{PT.say(number)} {scale} de {plural}"
        cents = int((number.fraction + "00")[:2]) if number.fraction else 0
        parts: list[str] = []
        if number.integer:
            main = number_words(number.integer, "pt_BR")
            joiner = " de " if re.search(r"(milhão|milhões|bilhão|bilhões)$", main) else " "
            parts.append(main + joiner + (singular if number.integer == 1 else plural))
        if cents:
            parts.append(
                f"{number_words(cents, 'pt_BR')} {'centavo' if cents == 1 else 'centavos'}"
            )
        if not parts:
            return f"zero {plural}"
        return " e ".join(parts)

    def _money_en(self, m: re.Match[str]) -> str:
        symbol, amount = m.group(1), m.group(2)
        singular, plural = {"€": ("euro", "euros"), "£": ("pound", "pounds")}.get(
            symbol, ("dollar", "dollars")
        )
        number = EN.parse(amount)
        cents = int((number.fraction + "00")[:2]) if number.fraction else 0
        parts: list[str] = []
        if number.integer:
            noun = singular if number.integer == 1 else plural
            parts.append(f"{number_words(number.integer, 'en')} {noun}")
        if cents:
            parts.append(f"{number_words(cents, 'en')} {'cent' if cents == 1 else 'cents'}")
        return " and ".join(parts) or f"zero {plural}"

    def _date_pt(self, m: re.Match[str]) -> str | None:
        day, month = int(m.group(1)), int(m.group(2))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return None
        said = "primeiro" if day == 1 else number_words(day, "pt_BR")
        text = f"{said} de {MONTHS_PT[month - 1]}"
        if m.lastindex is not None and m.lastindex >= 3:
            year = int(m.group(3))
            if len(m.group(3)) == 2:
                year += 2000
            text += f" de {number_words(year, 'pt_BR')}"
        return text

    def _time_pt(self, m: re.Match[str]) -> str | None:
        hours = int(m.group(1))
        minutes = int(m.group(2)) if m.lastindex is not None and m.lastindex >= 2 else 0
        if hours > 24 or minutes > 59:
            return None
        text = f"{feminine_words(number_words(hours, 'pt_BR'))} {'hora' if hours == 1 else 'horas'}"
        if minutes:
            text += f" e {number_words(minutes, 'pt_BR')} {'minuto' if minutes == 1 else 'minutos'}"
        return text

    def _norm_pt(self, m: re.Match[str]) -> str:
        prefix, number = m.group(1), m.group(2)
        said_prefix = " ".join(self._acronym(p) for p in prefix.split())
        head, *rest = re.split(r"[.:]", number)
        separators = re.findall(r"[.:]", number)
        if prefix.endswith("NBR") and len(head) == 4 and head[0] != "0":
            first, second = head[:2], head[2:]
            second_said = (
                f"zero {number_words(int(second), 'pt_BR')}"
                if second.startswith("0")
                else number_words(int(second), "pt_BR")
            )
            said_number = f"{number_words(int(first), 'pt_BR')} {second_said}"
        else:
            said_number = number_words(int(head), "pt_BR")
        for separator, part in zip(separators, rest, strict=True):
            joiner = "ponto" if separator == "." else "de"
            said_number += f" {joiner} {number_words(int(part), 'pt_BR')}"
        return f"{said_prefix} {said_number}"

    def _acronym(self, term: str) -> str:
        entry = self.lookup(term)
        if entry is not None:
            return entry.spoken
        if term in ("ISO", "IEC"):
            return term.lower()
        return " ".join(LETTERS_PT.get(c, c) for c in term)

    def _ordinal_pt(self, m: re.Match[str]) -> str:
        return ordinal_pt(int(m.group(1)), feminine=m.group(2) == "ª")

    def _ordinal_en(self, m: re.Match[str]) -> str:
        return ordinal_en(int(m.group(1)))

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
        return " ponto ".join(number_words(int(p), "pt_BR") for p in m.group(0).split("."))

    def _number(self, m: re.Match[str]) -> str:
        return self._say(m.group(0))

    # --- driver ----------------------------------------------------------------------------------
    def run(self, written: str) -> SpeechText:
        out = SpanBuilder(written)
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

    def _plain(self, written: str, pos: int, out: SpanBuilder) -> int:
        """Words, whitespace, bullets, symbols and anything else; returns the next position."""
        ch = written[pos]
        line_start = written.rfind("\n", 0, pos) + 1
        if ch in BULLETS and not written[line_start:pos].strip():
            end = pos + 1
            while end < len(written) and written[end] in BULLETS:
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
            elif "\n" in written[pos:end] and tail.rstrip()[-1:] not in SENTENCE_END:
                spoken = ". "
            else:
                spoken = " "
            out.add(pos, end, spoken)
            if BLANK_LINE.search(written, pos, end) and pos > 0 and end < len(written):
                out.pause(PARAGRAPH_PAUSE_S)  # a blank line between paragraphs
            return end
        if ch.isalnum():
            m = WORD.match(written, pos)
            end = m.end() if m else pos + 1
            out.add(pos, end, written[pos:end])
            return end
        if ch in DASHES:
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
