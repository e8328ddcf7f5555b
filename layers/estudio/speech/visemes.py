"""The common viseme alphabet: what every provider's mouth data is mapped into and what the
avatar renderer consumes. 15 shapes, the set used by Oculus/MPEG-4 style lip-sync rigs.

``OPENNESS`` is how open the jaw/lips are for each shape (0 closed, 1 widest): the renderer's
main input and what the lip-sync test correlates with the audio envelope.
"""

from __future__ import annotations

SILENCE = "sil"

ALPHABET: tuple[str, ...] = (
    "sil",  # rest, mouth closed
    "PP",  # p b m: lips pressed
    "FF",  # f v: lower lip under teeth
    "TH",  # th
    "DD",  # t d n l
    "kk",  # k g
    "CH",  # ch j sh (x, ch in Portuguese)
    "SS",  # s z
    "nn",  # n, nh
    "RR",  # r
    "aa",  # a
    "E",  # e, é
    "I",  # i
    "O",  # o, ó
    "U",  # u
)

OPENNESS: dict[str, float] = {
    "sil": 0.0,
    "PP": 0.0,
    "FF": 0.15,
    "TH": 0.2,
    "DD": 0.25,
    "kk": 0.3,
    "CH": 0.25,
    "SS": 0.15,
    "nn": 0.2,
    "RR": 0.3,
    "aa": 1.0,
    "E": 0.65,
    "I": 0.4,
    "O": 0.75,
    "U": 0.45,
}

# Azure Speech viseme ids (0-21, the Disney-style set Azure documents) -> our alphabet.
AZURE_VISEMES: dict[int, str] = {
    0: "sil",
    1: "aa",  # æ ə ʌ
    2: "aa",  # ɑ
    3: "O",  # ɔ
    4: "E",  # ɛ ʊ
    5: "RR",  # ɝ
    6: "I",  # j i ɪ
    7: "U",  # w u
    8: "O",  # o
    9: "aa",  # aʊ
    10: "O",  # ɔɪ
    11: "aa",  # aɪ
    12: "kk",  # h
    13: "RR",  # ɹ
    14: "DD",  # l
    15: "SS",  # s z
    16: "CH",  # ʃ tʃ dʒ ʒ
    17: "TH",  # ð
    18: "FF",  # f v
    19: "DD",  # d t n θ
    20: "kk",  # k g ŋ
    21: "PP",  # p b m
}

# espeak-ng phoneme events (IPA names, ``espeakINITIALIZE_PHONEME_IPA``) -> our alphabet. Looked
# up by the longest prefix of the phoneme after stress and length marks are removed; an empty
# name is a pause.
ESPEAK_IPA_VISEMES: dict[str, str] = {
    "tʃ": "CH",
    "dʒ": "CH",
    "ts": "SS",
    "dz": "SS",
    **dict.fromkeys(("p", "b", "m", "ɱ"), "PP"),
    **dict.fromkeys(("f", "v"), "FF"),
    **dict.fromkeys(("θ", "ð"), "TH"),
    **dict.fromkeys(("t", "d", "l", "ɫ", "ʎ", "ɬ"), "DD"),
    **dict.fromkeys(("n", "ɲ", "ŋ", "ɳ"), "nn"),
    **dict.fromkeys(("k", "g", "ɡ", "c", "ɟ", "q", "h", "ɦ", "ʔ", "ç"), "kk"),
    **dict.fromkeys(("ʃ", "ʒ", "ɕ", "ʑ"), "CH"),
    **dict.fromkeys(("s", "z"), "SS"),
    **dict.fromkeys(("r", "ɾ", "ɹ", "ɻ", "ʁ", "x", "χ", "ɣ", "ʀ", "ɐ˞", "ɚ", "ɝ"), "RR"),
    **dict.fromkeys(("a", "ɐ", "æ", "ɑ", "ɒ", "ʌ", "ə", "ɜ", "ᵻ"), "aa"),
    **dict.fromkeys(("e", "ɛ", "œ", "ø"), "E"),
    **dict.fromkeys(("i", "ɪ", "j", "y", "ʏ", "ɨ"), "I"),
    **dict.fromkeys(("o", "ɔ", "ɤ"), "O"),
    **dict.fromkeys(("u", "ʊ", "w", "ɯ", "ʉ"), "U"),
}
ESPEAK_IGNORED_MARKS = "ˈˌːˑ̩̯̃ʲʰ-_'"


def espeak_viseme(ipa: str) -> str:
    """The viseme for one espeak-ng phoneme name (IPA): ``sil`` for a pause, ``DD`` (half-closed)
    for a sound the table does not know."""
    core = "".join(ch for ch in ipa if ch not in ESPEAK_IGNORED_MARKS)
    if not core:
        return SILENCE
    for size in (2, 1):
        shape = ESPEAK_IPA_VISEMES.get(core[:size])
        if shape is not None:
            return shape
    return "DD"
