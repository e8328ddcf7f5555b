"""The word tables speech text reads from: units, months, letters, abbreviations and symbols.

Brazilian Portuguese and English entries, plus the two number-reading languages built on them
(``PT``, ``EN``) and the characters the plain-text pass treats specially (bullets, dashes,
sentence ends). Data only.
"""

from __future__ import annotations

import re

from estudio.speech.number_words import Lang

PT_UNITS: dict[str, tuple[str, str, bool]] = {
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

EN_UNITS: dict[str, tuple[str, str, bool]] = {
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

PT = Lang("pt_BR", ".", ",", "vírgula", "menos", "por cento", "e", PT_UNITS)
EN = Lang("en", ",", ".", "point", "minus", "percent", "and", EN_UNITS)

MONTHS_PT = (
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

LETTERS_PT = {
    "A": "á", "B": "bê", "C": "cê", "D": "dê", "E": "é", "F": "éfe", "G": "gê", "H": "agá",
    "I": "í", "J": "jota", "K": "cá", "L": "éle", "M": "eme", "N": "ene", "O": "ó", "P": "pê",
    "Q": "quê", "R": "erre", "S": "ésse", "T": "tê", "U": "u", "V": "vê", "W": "dáblio",
    "X": "xis", "Y": "ípsilon", "Z": "zê",
}  # fmt: skip

ABBREVIATIONS_PT: dict[str, str] = {
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
ABBREVIATIONS_EN: dict[str, str] = {
    "Mr.": "mister",
    "Mrs.": "missus",
    "Dr.": "doctor",
    "e.g.": "for example",
    "i.e.": "that is",
    "etc.": "etcetera.",
    "No.": "number",
    "approx.": "approximately",
}

SYMBOLS_PT = {"&": "e", "+": "mais", "=": "igual a", "%": "por cento", "§": "parágrafo",
               "@": "arroba", "×": "vezes", "≥": "maior ou igual a", "≤": "menor ou igual a",
               ">": "maior que", "<": "menor que", "°": "graus", "º": "", "ª": ""}  # fmt: skip
SYMBOLS_EN = {"&": "and", "+": "plus", "=": "equals", "%": "percent", "§": "section",
               "@": "at", "×": "times", "≥": "at least", "≤": "at most", ">": "greater than",
               "<": "less than", "°": "degrees"}  # fmt: skip

BULLETS = "•◦▪▫■□►▶▸➢➤✓✔✗✘→⇒➔-–—*·○●"
DASHES = "–—"  # between words: a pause
SENTENCE_END = ".!?:;,"
WORD = re.compile(r"[\w\u0300-\u036f]+")
