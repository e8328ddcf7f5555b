"""File names as people write them: exact Unicode (NFC), never a path, never a control character.

Brazilian names ("Apresentação – NR-10.pptx") are the normal case. A name from a client (multipart
``filename``/``filename*``, a JSON field, a dropped file) goes through ``clean_filename`` once, at
the edge; downloads get an RFC 6266 ``Content-Disposition`` with an ASCII fallback and the exact
name in ``filename*``.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote

MAX_NAME_CHARS = 255


def has_control(text: str) -> bool:
    """Any C0/C1 control character (NUL included) other than tab, newline and carriage return."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text)


def clean_filename(name: str, default: str = "deck.pptx") -> str:
    """The last path segment of ``name`` in NFC, without control characters (else ``default``)."""
    text = unicodedata.normalize("NFC", name)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc").strip()
    if text in ("", ".", ".."):
        return default
    return text[:MAX_NAME_CHARS]


def decode_rfc5987(value: str) -> str | None:
    """``UTF-8''Apresenta%C3%A7%C3%A3o.pptx`` → the name; None when malformed."""
    charset, sep, rest = value.partition("'")
    _, sep2, encoded = rest.partition("'")
    if not sep or not sep2 or charset.lower() not in ("utf-8", "iso-8859-1"):
        return None
    try:
        return unquote(encoded, encoding=charset.lower(), errors="strict")
    except (UnicodeDecodeError, LookupError):
        return None


def content_disposition(filename: str, disposition: str = "inline") -> str:
    """RFC 6266: an ASCII ``filename`` fallback plus the exact name as ``filename*``."""
    exact = unicodedata.normalize("NFC", filename)
    ascii_name = (
        unicodedata.normalize("NFKD", exact).encode("ascii", "ignore").decode("ascii") or "download"
    )
    ascii_name = "".join(ch if ch.isprintable() and ch not in '"\\;' else "_" for ch in ascii_name)
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(exact, safe='')}"


def parse_disposition(raw: bytes) -> tuple[str, dict[str, str]]:
    """A multipart part's ``Content-Disposition`` (raw bytes, UTF-8 as browsers send it).

    Returns the disposition type and its parameters; ``filename*`` (RFC 5987) wins over
    ``filename``. Quoted strings may hold ``;``.
    """
    text = raw.decode("utf-8", "replace")
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    kind = parts[0].strip().lower()
    params: dict[str, str] = {}
    extended: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        if not sep:
            continue
        key = key.strip().lower()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if key.endswith("*"):
            decoded = decode_rfc5987(value)
            if decoded is not None:
                extended[key[:-1]] = decoded
        else:
            params[key] = value
    params.update(extended)
    return kind, params


def output_filename(source_name: str, output: str) -> str:
    """What a download of ``output`` ("video.mp4") of ``source_name``'s render is called:
    ``Segurança – NR-10.pptx`` → ``Segurança – NR-10.mp4`` (the manifest keeps its own suffix)."""
    stem = clean_filename(source_name, default="video").rsplit(".", 1)[0] or "video"
    base, _, suffix = output.rpartition(".")
    if base in ("video", "subtitles", "thumbnail"):
        return f"{stem}.{suffix}"
    return f"{stem}.{output}"
