"""A small stop-word language guess for deck text: Brazilian Portuguese, English or Spanish.

Words the three languages share ("a", "de", "que", "para", "como") count for none of them. Short
or ambiguous text falls back to ``DEFAULT_LANGUAGE``.
"""

from __future__ import annotations

import re

DEFAULT_LANGUAGE = "pt-BR"
MIN_EVIDENCE = 3  # fewer distinctive hits than this: keep the default
MIN_SHARE = 0.03  # ... or hits fewer than this share of all words (text in another language)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP_WORDS: dict[str, frozenset[str]] = {
    "pt-BR": _words(
        """
        não nao e do da dos das em na nos nas um uma uns umas ao aos à às é são pelo pela pelos
        pelas com você vocês também mais seu sua seus suas isso isto essa esse ele ela eles elas
        ou já muito quando onde ser ter foi está estão sobre entre depois até nós nosso nossa
        deve devem sempre cada mas porque então aqui trabalho segurança
        """
    ),
    "en": _words(
        """
        the and of to is in for that with on are this be it by you your we our not or from at an
        will can have has was were which their they these those what when how all more about
        should must into than then there here
        """
    ),
    "es": _words(
        """
        el la los las del y en es un una unos unas por con está están son al lo más pero su sus
        muy también usted ustedes ella ellos ellas cuando donde ser tener fue sobre entre después
        hasta nosotros nuestro nuestra debe deben siempre cada porque entonces aquí trabajo
        seguridad hay le les
        """
    ),
}
# Letters only one of the languages uses.
_LETTERS: dict[str, str] = {"pt-BR": "ãõç", "es": "ñ¿¡"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _distinctive() -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for lang, words in _STOP_WORDS.items():
        others = set().union(*(w for other, w in _STOP_WORDS.items() if other != lang))
        out[lang] = frozenset(words - others)
    return out


_DISTINCTIVE = _distinctive()


def detect_language(text: str) -> str:
    """Return "pt-BR", "en" or "es" for ``text``; "pt-BR" when unsure."""
    lowered = text.lower()
    scores = dict.fromkeys(_DISTINCTIVE, 0)
    words = _WORD.findall(lowered)
    for word in words:
        for lang, vocabulary in _DISTINCTIVE.items():
            if word in vocabulary:
                scores[lang] += 1
    for lang, letters in _LETTERS.items():
        scores[lang] += sum(lowered.count(ch) for ch in letters)
    best = max(scores, key=lambda lang: (scores[lang], lang == DEFAULT_LANGUAGE))
    if scores[best] < max(MIN_EVIDENCE, MIN_SHARE * len(words)):
        return DEFAULT_LANGUAGE
    return best
