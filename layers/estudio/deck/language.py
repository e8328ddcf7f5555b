"""A small language guess for deck text.

First the writing system: text mostly in Hebrew, Arabic, Cyrillic, Greek, CJK, Hangul, Devanagari or
Thai letters gets that script's main language (a Portuguese voice would spell such text letter by
letter). Latin text gets a stop-word vote among Portuguese, English, Spanish, French and German.
Words the languages share ("a", "de", "que", "para", "como") count for none of them. Short
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
    "fr": _words(
        """
        le les des et est une du au aux dans pour pas sur avec vous nous sont cette ces qui être
        avoir fait plus mais ou où très aussi leur leurs sécurité travail il elle ils elles
        """
    ),
    "de": _words(
        """
        der die das und ist nicht mit für von auf ein eine einen dem den des sich sind wird werden
        auch bei oder wenn aus nach wie zum zur über sie wir ihr sicherheit arbeit
        """
    ),
}
# Writing systems whose letters mean one voice language (first matching range wins).
_SCRIPTS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("he-IL", ((0x0590, 0x05FF),)),
    ("ar", ((0x0600, 0x06FF), (0x0750, 0x077F))),
    ("ru-RU", ((0x0400, 0x04FF),)),
    ("el-GR", ((0x0370, 0x03FF),)),
    ("ja-JP", ((0x3040, 0x30FF),)),
    ("ko-KR", ((0xAC00, 0xD7AF), (0x1100, 0x11FF))),
    ("zh-CN", ((0x4E00, 0x9FFF),)),
    ("hi-IN", ((0x0900, 0x097F),)),
    ("th-TH", ((0x0E00, 0x0E7F),)),
)
MIN_SCRIPT_SHARE = 0.3
# Letters only one of the languages uses.
_LETTERS: dict[str, str] = {"pt-BR": "ãõ", "es": "ñ¿¡", "de": "ß", "fr": "œ"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _distinctive() -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for lang, words in _STOP_WORDS.items():
        others = set().union(*(w for other, w in _STOP_WORDS.items() if other != lang))
        out[lang] = frozenset(words - others)
    return out


_DISTINCTIVE = _distinctive()


def _script_language(text: str) -> str | None:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    counts = dict.fromkeys((lang for lang, _ in _SCRIPTS), 0)
    for ch in letters:
        code = ord(ch)
        if code < 0x0370:
            continue
        for lang, ranges in _SCRIPTS:
            if any(low <= code <= high for low, high in ranges):
                counts[lang] += 1
                break
    if counts["ja-JP"]:  # Japanese mixes kana with CJK ideographs
        counts["ja-JP"] += counts["zh-CN"]
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] >= MIN_SCRIPT_SHARE * len(letters) else None


def detect_language(text: str) -> str:
    """Return a BCP-47 language for ``text`` ("pt-BR", "en", "es", "fr", "de", or a script's
    language such as "he-IL"); "pt-BR" when unsure."""
    by_script = _script_language(text)
    if by_script is not None:
        return by_script
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
