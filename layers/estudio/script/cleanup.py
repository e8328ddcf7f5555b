"""What a listener should not hear spelled out, found in slide text and replaced.

URLs become the bare domain ("cast.org") or "a page on github.com"; e-mail addresses, handles
and file paths become "the e-mail address on the slide" and the like; whole lines of code,
shell commands or formulas are recognised so the writer can say where they are instead of
reading them. Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Literal

from estudio.script.phrases import Phrases

CodeKind = Literal["command", "formula", "code"]

_URL = re.compile(
    r"(?:(?:https?|ftp)://|www\.)[^\s<>\"]+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|io|br|pt|es|uk|au|de|info|dev|app)"
    r"(?:\.[a-z]{2})?/[^\s<>\"]*",
    re.IGNORECASE,
)
_BARE_DOMAIN = re.compile(
    r"(?<![@\w.])(?:www\.)?(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|io|br|pt|es|uk|au|de)"
    r"(?:\.[a-z]{2})?(?![\w@/])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z_][\w.]{1,30}\b")
_PATH = re.compile(r"(?<![\w/])(?:~?/[\w.-]+){2,}/?|\b[A-Za-z]:\\[^\s]+")
_TRAILING = ".,;:!?)]}'\""

_COMMANDS = re.compile(
    r"^\s*(?:\$\s|#\s|>\s)?(?:sudo|apt(?:-get)?|pip3?|npm|yarn|git|ssh|scp|cd|ls|cat|echo|chmod|"
    r"chown|mkdir|rm|cp|mv|grep|curl|wget|python3?|java|javac|gcc|make|docker|kubectl|"
    r"aircrack-ng|airmon-ng|airodump-ng|aireplay-ng|packetforge-ng|nmap|iwconfig|ifconfig|"
    r"ping|telnet|nc|select|insert|update|delete|create|drop|alter|exec)\b",
    re.IGNORECASE,
)
_FLAG = re.compile(r"(?:^|\s)--?[a-z][\w-]*")
_PLACEHOLDER = re.compile(r"\[[A-Z0-9 _.-]{3,}\]|<[a-z_-]+>")
_MATH = re.compile(r"[=⊕≤≥≠∑∏√±×÷^]|\b\w\s*[+\-*/]\s*\w\b")
_SYMBOLS = set("{}()[]<>=;|&$#\\`^~*/+_")


def _host(url: str) -> str:
    bare = re.sub(r"^(?:(?:https?|ftp)://)?(?:www\.)?", "", url, flags=re.IGNORECASE)
    return bare.split("/")[0].split(":")[0].split("?")[0].lower()


def replace_url(url: str, phrases: Phrases) -> str:
    """A bare domain as itself (without www); anything with a path as "a page on <domain>"."""
    url = url.rstrip(_TRAILING)
    host = _host(url)
    rest = re.sub(r"^(?:(?:https?|ftp)://)?[^/]+", "", url).strip("/")
    if "." not in host or len(host) > 40:
        return phrases.address
    return phrases.page_on.format(host=host) if rest else host


def clean_inline(text: str, phrases: Phrases) -> str:
    """``text`` with URLs, e-mail addresses, handles and file paths said the listener's way."""

    parts: list[str] = []
    position = 0
    text = _EMAIL.sub(phrases.email, text)
    for match in _URL.finditer(text):
        raw = match.group(0)
        kept = raw.rstrip(_TRAILING)
        said = replace_url(kept, phrases)
        before = text[position : match.start()]
        if " " in said and re.search(r"[^\W_]\s+$", before):  # "Material de apoio: uma página…"
            before = before.rstrip() + ": "
        parts += [before, said, raw[len(kept) :]]
        position = match.end()
    text = "".join([*parts, text[position:]])
    text = _BARE_DOMAIN.sub(lambda m: _host(m.group(0)), text)
    text = _HANDLE.sub(phrases.handle, text)
    text = _PATH.sub(phrases.path, text)
    text = re.sub(r"(?<=\w) / (?=\w)", ", ", text)  # "ICMC / USP": not "ICMC slash USP"
    return re.sub(r"(?<![\w-])--(?=[a-z])", "", text)  # an inline flag: "(--write)" -> "(write)"


def only_email(line: str) -> bool:
    return bool(_EMAIL.fullmatch(line.strip().rstrip(".;,")))


def code_kind(line: str) -> CodeKind | None:
    """Whether a whole line is a command, a formula or code (not prose), and which."""
    text = line.strip().rstrip(".")
    if not text or _EMAIL.fullmatch(text) or _URL.fullmatch(text):
        return None
    words = text.split()
    if (
        _COMMANDS.match(text)
        and (len(words) >= 2 or text.lower() in ("ls", "iwconfig"))
        and (_FLAG.search(text) or _PLACEHOLDER.search(text) or len(words) <= 8)
    ):
        return "command"
    if _PLACEHOLDER.search(text) and _FLAG.search(text):
        return "command"
    letters = sum(ch.isalpha() for ch in text)
    symbols = sum(ch in _SYMBOLS for ch in text)
    long_words = [w for w in re.findall(r"[^\W\d_]{4,}", text)]
    if _MATH.search(text) and len(long_words) <= 2:
        return "formula"
    if letters and symbols / max(len(text), 1) > 0.12 and len(long_words) <= len(words) // 2:
        return "code"
    return None


def code_sentence(kinds: list[CodeKind], phrases: Phrases) -> str:
    """One sentence for a run of code lines: "The commands are on the slide."."""
    kind = max(set(kinds), key=kinds.count)
    several = len(kinds) > 1
    if kind == "command":
        return phrases.commands if several else phrases.command
    if kind == "formula":
        return phrases.formulas if several else phrases.formula
    return phrases.code


def has_words(text: str) -> bool:
    return bool(re.search(r"[^\W\d_]{2,}", text))
