"""Numbers as words, for speech text: cardinals, ordinals, fractions and quantities with units.

``num2words`` gives the cardinals and ordinals; ``Lang`` reads a written number in one language's
notation (thousands and decimal separators, sign) and says it, with a unit when one follows
(singular or plural, feminine agreement in Portuguese). The per-language instances and their
unit tables are in ``speech.lexicon``; ``NUM_PT``/``NUM_EN`` are the patterns a written number
matches. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from num2words import num2words


def number_words(value: int, lang: str) -> str:
    text = str(num2words(value, lang=lang)).replace(",", "")
    if lang == "pt_BR":
        return re.sub(r"\bcatorze\b", "quatorze", text)
    return text.replace("-", " ")


FEMININE = {
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


def feminine_words(words: str) -> str:
    """'vinte e um' -> 'vinte e uma' (not before milhão/bilhão, which are masculine)."""
    tokens = words.split(" ")
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in FEMININE and not following.startswith(("milh", "bilh", "trilh")):
            out.append(FEMININE[token])
        else:
            out.append(token)
    return " ".join(out)


def ordinal_pt(value: int, feminine: bool) -> str:
    text = str(num2words(value, lang="pt_BR", to="ordinal")).replace(",", "")
    if feminine:
        text = " ".join(w[:-1] + "a" if w.endswith("o") else w for w in text.split(" "))
    return text


def ordinal_en(value: int) -> str:
    return str(num2words(value, lang="en", to="ordinal")).replace(",", "").replace("-", " ")


@dataclass(frozen=True)
class Number:
    """A parsed written number: integer part, fraction digits (as written), sign."""

    integer: int
    fraction: str  # "" for integers, else the digits after the separator, leading zeros kept
    negative: bool = False

    @property
    def is_one(self) -> bool:
        return self.integer == 1 and not self.fraction.strip("0") and not self.negative


@dataclass(frozen=True)
class Lang:
    code: str  # num2words language
    thousands: str
    decimal: str
    point_word: str
    minus_word: str
    percent_word: str
    and_word: str
    units: dict[str, tuple[str, str, bool]]  # symbol -> (singular, plural, feminine)

    def parse(self, text: str) -> Number:
        negative = text[:1] in "-−"
        body = text.lstrip("-−")
        integer_part, _, fraction = body.partition(self.decimal)
        digits = integer_part.replace(self.thousands, "")
        return Number(int(digits or "0"), fraction, negative)

    def say(self, number: Number, feminine: bool = False) -> str:
        words = number_words(number.integer, self.code)
        if feminine and self.code == "pt_BR":
            words = feminine_words(words)
        if number.fraction:
            zeros = len(number.fraction) - len(number.fraction.lstrip("0"))
            rest = number.fraction.lstrip("0")
            tail = " ".join([number_words(0, self.code)] * zeros)
            if rest:
                tail = f"{tail} {number_words(int(rest), self.code)}".strip()
            words = f"{words} {self.point_word} {tail}"
        if number.negative:
            words = f"{self.minus_word} {words}"
        return words

    def with_unit(self, number: Number, symbol: str) -> str:
        singular, plural, feminine = self.units[symbol]
        return f"{self.say(number, feminine)} {singular if number.is_one else plural}"


# A written number in each notation: thousands grouped or not, optional fraction and sign.
NUM_PT = r"[-−]?(?:\d{1,3}(?:\.\d{3})+(?!\d)|\d+)(?:,\d+)?"
NUM_EN = r"[-−]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"


def unit_alternation(units: dict[str, tuple[str, str, bool]]) -> str:
    """A regex alternation of the unit symbols, longest first (so "km/h" wins over "km")."""
    symbols = sorted(units, key=len, reverse=True)
    return "|".join(re.escape(s) for s in symbols)
