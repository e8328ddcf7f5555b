"""The words the rules writer adds, per language (Brazilian Portuguese first, English, Spanish).

Every phrase is a complete, neutral sentence or clause, so it reads well around any slide text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    and_word: str
    serial_comma: bool
    opening: str  # the deck's first slide: "{title}"
    section: str  # a slide with a title and nothing else
    continued: str  # the same title as the slide before
    finally_: str  # before the last of three or more points
    key_points: str  # before a list of short points
    image: str
    images: str
    page_on: str  # a URL with a path: "{host}"
    address: str  # a URL without a usable host
    email: str  # inside a sentence
    email_line: str  # a line that is only an e-mail address
    emails_line: str
    handle: str
    path: str
    command: str
    commands: str
    formula: str
    formulas: str
    code: str
    table_compare: str  # "{columns}", "{count}"
    criteria_list: str  # "{items}"
    checked: str  # "{column}", "{items}"
    table_shape: str  # "{rows}", "{columns}"
    table_example: str  # "{example}"
    table_first: str  # "{cell}"
    dangling: frozenset[str]
    lowercase_starters: frozenset[str]


_DANGLING = frozenset(
    [
        "e",
        "ou",
        "de",
        "da",
        "do",
        "das",
        "dos",
        "a",
        "o",
        "os",
        "as",
        "para",
        "com",
        "em",
        "no",
        "na",
        "nos",
        "nas",
        "por",
        "pelo",
        "pela",
        "que",
        "ao",
        "à",
        "um",
        "uma",
        "the",
        "an",
        "and",
        "or",
        "of",
        "to",
        "for",
        "with",
        "in",
        "on",
        "at",
        "by",
        "from",
        "into",
        "el",
        "la",
        "los",
        "las",
        "y",
        "del",
        "al",
        "con",
        "en",
        "por",
        "para",
        "un",
        "una",
    ]
)

PT = Phrases(
    and_word="e",
    serial_comma=False,
    opening="Boas-vindas a esta apresentação: {title}.",
    section="A seguir: {title}.",
    continued="Ainda sobre {title}.",
    finally_="Por fim, ",
    key_points="Os pontos principais são: {items}.",
    image="Observe a imagem no slide.",
    images="Observe as imagens no slide.",
    page_on="uma página de {host}",
    address="o endereço no slide",
    email="o e-mail no slide",
    email_line="O e-mail está no slide.",
    emails_line="Os contatos estão no slide.",
    handle="o perfil no slide",
    path="o caminho no slide",
    command="O comando está no slide.",
    commands="Os comandos estão no slide.",
    formula="A fórmula está no slide.",
    formulas="As fórmulas estão no slide.",
    code="O código está no slide.",
    table_compare="A tabela compara {columns} em {count} critérios.",
    criteria_list="Os critérios são: {items}.",
    checked="{column} aparece marcado em: {items}.",
    table_shape="A tabela tem {rows} linhas, com as colunas {columns}.",
    table_example="Por exemplo: {example}.",
    table_first="A primeira linha trata de {cell}.",
    dangling=_DANGLING,
    lowercase_starters=frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "um",
            "uma",
            "uns",
            "umas",
            "este",
            "esta",
            "estes",
            "estas",
            "esse",
            "essa",
            "isso",
            "isto",
            "cada",
            "todo",
            "toda",
            "todos",
            "todas",
            "se",
            "quando",
            "como",
            "para",
            "nem",
            "não",
            "é",
            "são",
            "há",
            "deve",
            "devem",
            "sempre",
            "nunca",
        ]
    ),
)

EN = Phrases(
    and_word="and",
    serial_comma=True,
    opening="Welcome to this presentation: {title}.",
    section="Next up: {title}.",
    continued="More on {title}.",
    finally_="Finally, ",
    key_points="The key points are: {items}.",
    image="Take a look at the image on the slide.",
    images="Take a look at the images on the slide.",
    page_on="a page on {host}",
    address="the address on the slide",
    email="the e-mail address on the slide",
    email_line="The e-mail address is on the slide.",
    emails_line="The contact details are on the slide.",
    handle="the handle on the slide",
    path="the path on the slide",
    command="The command is on the slide.",
    commands="The commands are on the slide.",
    formula="The formula is on the slide.",
    formulas="The formulas are on the slide.",
    code="The code is on the slide.",
    table_compare="The table compares {columns} on {count} criteria.",
    criteria_list="The criteria are: {items}.",
    checked="{column} is checked for: {items}.",
    table_shape="The table has {rows} rows, with the columns {columns}.",
    table_example="For example: {example}.",
    table_first="The first row is about {cell}.",
    dangling=_DANGLING,
    lowercase_starters=frozenset(
        [
            "the",
            "a",
            "an",
            "this",
            "these",
            "that",
            "those",
            "each",
            "every",
            "all",
            "it",
            "its",
            "if",
            "when",
            "how",
            "there",
            "we",
            "you",
            "they",
            "our",
            "your",
            "always",
            "never",
        ]
    ),
)

ES = Phrases(
    and_word="y",
    serial_comma=False,
    opening="Bienvenidos a esta presentación: {title}.",
    section="A continuación: {title}.",
    continued="Seguimos con {title}.",
    finally_="Por último, ",
    key_points="Los puntos clave son: {items}.",
    image="Observa la imagen en la diapositiva.",
    images="Observa las imágenes en la diapositiva.",
    page_on="una página de {host}",
    address="la dirección en la diapositiva",
    email="el correo en la diapositiva",
    email_line="El correo está en la diapositiva.",
    emails_line="Los contactos están en la diapositiva.",
    handle="el perfil en la diapositiva",
    path="la ruta en la diapositiva",
    command="El comando está en la diapositiva.",
    commands="Los comandos están en la diapositiva.",
    formula="La fórmula está en la diapositiva.",
    formulas="Las fórmulas están en la diapositiva.",
    code="El código está en la diapositiva.",
    table_compare="La tabla compara {columns} en {count} criterios.",
    criteria_list="Los criterios son: {items}.",
    checked="{column} aparece marcado en: {items}.",
    table_shape="La tabla tiene {rows} filas, con las columnas {columns}.",
    table_example="Por ejemplo: {example}.",
    table_first="La primera fila trata de {cell}.",
    dangling=_DANGLING,
    lowercase_starters=frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "un",
            "una",
            "este",
            "esta",
            "estos",
            "estas",
            "cada",
            "todo",
            "toda",
            "todos",
            "todas",
            "si",
            "cuando",
            "como",
            "para",
            "no",
            "es",
            "son",
            "hay",
            "debe",
            "deben",
            "siempre",
            "nunca",
        ]
    ),
)

BY_LANGUAGE = {"pt": PT, "en": EN, "es": ES}


def phrases_for(language: str) -> Phrases | None:
    """The phrases for ``language`` (BCP-47); None when the rules writer does not speak it."""
    return BY_LANGUAGE.get(language.split("-")[0].lower())


def join_items(items: list[str], phrases: Phrases) -> str:
    """ "A, B e C" / "A, B, and C" / "A, B y C" (Spanish "e" before an i- sound)."""
    if len(items) <= 1:
        return "".join(items)
    word = phrases.and_word
    if word == "y" and items[-1][:1].lower() in ("i", "í") and items[-1][:2].lower() != "ie":
        word = "e"
    if word == "y" and items[-1][:2].lower() == "hi" and items[-1][:3].lower() != "hie":
        word = "e"
    head = ", ".join(items[:-1])
    comma = "," if phrases.serial_comma and len(items) > 2 else ""
    return f"{head}{comma} {word} {items[-1]}"
