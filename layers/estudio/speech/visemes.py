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
