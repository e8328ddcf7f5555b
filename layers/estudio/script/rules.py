"""The ``rules`` writer: a slide's content turned into spoken prose, offline and deterministic.

The title introduces the slide (a welcome on the first, "more on …" when a title repeats, "next
up: …" for a title alone); bullets become sentences, short ones a list joined the language's
way ("A, B e C"), a line ending in a colon leads the points under it; a table is summarised
(what it compares, its size, a first row as an example), never read cell by cell; URLs, e-mail
addresses, handles, paths, commands and formulas are not spelled out; a fragment that ends in
"the" or "de" is joined to the line after it or trimmed. Headers, footers and slide numbers are
already gone from the brief (``estudio.script.brief``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from estudio.errors import WriterFailed
from estudio.models import TextBlock
from estudio.script.base import SlideBrief, Task, WriterName
from estudio.script.cleanup import (
    CodeKind,
    clean_inline,
    code_kind,
    code_sentence,
    has_words,
    only_email,
)
from estudio.script.phrases import Phrases, join_items, phrases_for

SHORT_WORDS = 6  # a point this short is listed, not made a sentence
MAX_LISTED = 10
EXAMPLE_WORDS = 24
MARKS = frozenset({"✔", "✔️", "✓", "☑", "x", "X", "✗", "✘", "●", "•", "sim", "yes", "sí", "si"})
_TERMINAL = tuple(".!?…")
_SOURCE = re.compile(r"^\s*(?:source|fonte|fuente|refer[eê]ncias?|references?)s?\b", re.I)


@dataclass
class _Line:
    text: str
    level: int
    code: CodeKind | None = None
    email: bool = False


def sentence(text: str) -> str:
    text = text.strip().rstrip(",;:–—-").strip()
    if not text:
        return ""
    return text if text.endswith(_TERMINAL) else text + "."


def _is_short(text: str) -> bool:
    return len(text.split()) <= SHORT_WORDS and not re.search(r"[.!?;]\s", text)


def _listable(text: str) -> bool:
    """A point that reads well inside "A, B e C": short, no commas or domains of its own."""
    return _is_short(text) and "," not in text and not re.search(r"\w\.\w", text)


def _item(text: str) -> str:
    return text.strip().rstrip(".;,:").strip()


def _lower_start(text: str, phrases: Phrases) -> str:
    """Lower the first letter when the first word is a common word (not a name or acronym)."""
    first = text.split(" ", 1)[0]
    if (
        first[:1].isupper()
        and first[1:].islower()
        and first.casefold() in phrases.lowercase_starters
    ):
        return text[:1].lower() + text[1:]
    return text


def _dangles(text: str, phrases: Phrases) -> bool:
    words = text.rstrip(" .").split()
    return bool(words) and words[-1].casefold() in phrases.dangling


def _trim_dangling(text: str, phrases: Phrases) -> str:
    words = text.rstrip(" .").split()
    while words and words[-1].casefold() in phrases.dangling:
        words.pop()
    return " ".join(words)


class RulesWriter:
    name: WriterName = "rules"

    def write(self, brief: SlideBrief, task: Task = "write", draft: str = "") -> str:
        phrases = phrases_for(brief.language)
        if phrases is None:
            raise WriterFailed(f"the rules writer does not speak {brief.language}")
        if task == "translate":
            raise WriterFailed("the rules writer does not translate")
        if task == "rewrite":
            return clean_inline(brief.notes, phrases).strip()
        groups = self._groups(brief.blocks)
        lines = self._lines(groups[0][1], phrases) if groups and groups[0][0] == "text" else []
        title = clean_inline(brief.title or "", phrases).strip()
        if not title and lines and not lines[0].code and not lines[0].email:
            first = lines[0].text
            if len(first.split()) <= 12 and (brief.is_first or len(lines) > 1):
                title = lines.pop(0).text  # a heading drawn as a plain text box
        if title and _dangles(title, phrases):
            if lines and not lines[0].code and not lines[0].email:
                title = f"{title.rstrip(' .')} {lines.pop(0).text}"  # "Welcome to the" + next
            else:
                title = _trim_dangling(title, phrases)
        body: list[str] = []
        for number, (kind, blocks) in enumerate(groups):
            if kind == "table":
                body += self._table(blocks[0], phrases)
            else:
                body += self._text(lines if number == 0 else self._lines(blocks, phrases), phrases)
        body = [s for s in body if s]
        if brief.pictures and len(body) <= 1:
            body.append(phrases.images if brief.pictures > 1 else phrases.image)
        heading = self._heading(brief, title, bool(body), phrases)
        if not heading and not body:
            return ""
        paragraphs = [heading] if heading else []
        if body:
            paragraphs.append(" ".join(body))
        return "\n\n".join(paragraphs)  # a short pause after the title

    @staticmethod
    def _groups(blocks: list[TextBlock]) -> list[tuple[str, list[TextBlock]]]:
        """Runs of text blocks and single tables, in reading order."""
        groups: list[tuple[str, list[TextBlock]]] = []
        for block in blocks:
            if block.kind == "text" and groups and groups[-1][0] == "text":
                groups[-1][1].append(block)
            else:
                groups.append((block.kind, [block]))
        return groups

    # --- the title ------------------------------------------------------------------------------
    @staticmethod
    def _heading(brief: SlideBrief, title: str, has_body: bool, phrases: Phrases) -> str:
        if not title or not has_words(title):
            return ""
        bare = title.rstrip(" .:;")
        if brief.is_first:
            return phrases.opening.format(title=bare)
        if brief.same_title_as_previous:
            return phrases.continued.format(title=bare)
        if not has_body and not bare.endswith(("?", "!")) and ":" not in bare:
            return phrases.section.format(title=bare)
        return sentence(bare)

    # --- text -----------------------------------------------------------------------------------
    @staticmethod
    def _lines(blocks: list[TextBlock], phrases: Phrases) -> list[_Line]:
        lines: list[_Line] = []
        for block in blocks:
            if block.kind != "text":
                continue
            levels = block.levels or [0] * len(block.paragraphs)
            for raw, level in zip(block.paragraphs, levels, strict=False):
                kind = code_kind(raw)
                if kind is not None:
                    lines.append(_Line(raw, level, code=kind))
                elif only_email(raw):
                    lines.append(_Line(raw, level, email=True))
                else:
                    text = clean_inline(raw, phrases).strip()
                    if has_words(text):
                        lines.append(_Line(text, level))
        merged: list[_Line] = []
        for line in lines:  # a fragment ending in "the", "de", "y" takes the next line
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and not previous.code
                and not previous.email
                and not line.code
                and not line.email
                and _dangles(previous.text, phrases)
            ):
                previous.text = f"{previous.text.rstrip(' .')} {line.text}"
                continue
            merged.append(line)
        for line in merged:
            if not line.code and not line.email and _dangles(line.text, phrases):
                line.text = _trim_dangling(line.text, phrases)
        return [line for line in merged if line.code or line.email or has_words(line.text)]

    def _text(self, lines: list[_Line], phrases: Phrases) -> list[str]:
        out: list[str] = []
        emails = sum(line.email for line in lines)
        said_emails = False
        i = 0
        plain: list[str] = []

        def flush() -> None:
            out.extend(self._plain_run(plain, phrases))
            plain.clear()

        while i < len(lines):
            line = lines[i]
            if line.email:
                flush()
                if not said_emails:
                    out.append(phrases.emails_line if emails > 1 else phrases.email_line)
                    said_emails = True
                i += 1
                continue
            if line.code:
                flush()
                run: list[CodeKind] = []
                while i < len(lines) and lines[i].code:
                    run.append(lines[i].code)  # type: ignore[arg-type]
                    i += 1
                said = code_sentence(run, phrases)
                if out and out[-1].endswith(":"):
                    out[-1] = f"{out[-1]} {said[:1].lower()}{said[1:]}"
                else:
                    out.append(said)
                continue
            children, after = self._children(lines, i)
            if children is None:
                plain.append(line.text)
                i += 1
                continue
            flush()
            lead = line.text.rstrip(" .:")
            texts = [c.text for c in children if not c.code and not c.email]
            i = after
            if not texts:  # a lead over commands: "Wireshark: the command is on the slide."
                out.append(lead + ":")
                continue
            if not (line.text.rstrip().endswith(":") or _is_short(lead)):
                out.append(sentence(lead))  # a sentence with points under it
                out.extend(self._plain_run(texts, phrases))
            elif all(_is_short(t) for t in texts):
                items = [_item(t) for t in texts][:MAX_LISTED]
                out.append(f"{lead}: {join_items(items, phrases)}.")
            else:
                said = " ".join(sentence(t) for t in texts)
                out.append(f"{lead}: {_lower_start(said, phrases)}")
        flush()
        # a lead whose commands never came (or an empty list): end it as a sentence
        return [sentence(s) if s.endswith(":") else s.strip() for s in out if s.strip()]

    @staticmethod
    def _children(lines: list[_Line], i: int) -> tuple[list[_Line] | None, int]:
        """The points a line leads (deeper lines after it; for a line ending in a colon, the
        short lines at its own level too), and where the next group starts. None: not a lead."""
        line = lines[i]
        j = i + 1
        deeper: list[_Line] = []
        while j < len(lines) and lines[j].level > line.level and not lines[j].email:
            deeper.append(lines[j])
            j += 1
        if deeper:
            if any(c.code for c in deeper):  # a lead over commands: keep the commands apart
                return [], i + 1
            return deeper, j
        if not line.text.rstrip().endswith(":"):
            return None, i + 1
        same: list[_Line] = []
        while (
            j < len(lines)
            and lines[j].level == line.level
            and not lines[j].code
            and not lines[j].email
            and not lines[j].text.rstrip().endswith(":")
            and _is_short(lines[j].text)
        ):
            same.append(lines[j])
            j += 1
        if not same and j < len(lines) and lines[j].code:
            return [], i + 1
        if not same and j < len(lines) and lines[j].level == line.level:
            following = lines[j]  # "This lets us:" over long points: it leads the first one
            if not (following.email or following.text.rstrip().endswith(":")):
                return [following], j + 1
        return (same, j) if same else (None, i + 1)

    @staticmethod
    def _plain_run(texts: list[str], phrases: Phrases) -> list[str]:
        if not texts:
            return []
        sources = [t for t in texts if _SOURCE.match(t)]  # "Source: …" is said on its own
        texts = [t for t in texts if not _SOURCE.match(t)]
        if len(texts) >= 3 and all(_listable(t) for t in texts):
            items = [_item(t) for t in texts][:MAX_LISTED]
            listed = phrases.key_points.format(items=join_items(items, phrases))
            return [listed, *(sentence(t) for t in sources)]
        texts = texts + sources
        said = [sentence(t) for t in texts]
        if len(said) >= 3 and not any(_is_short(t) or _SOURCE.match(t) for t in texts):
            said[-1] = phrases.finally_ + _lower_start(said[-1], phrases)
        return said

    # --- tables ---------------------------------------------------------------------------------
    @staticmethod
    def _table(block: TextBlock, phrases: Phrases) -> list[str]:
        rows = [[_item(clean_inline(cell, phrases)) for cell in row] for row in block.rows]
        rows = [row for row in rows if any(row)]
        if not rows:
            return []
        filled = [[c for c in row if c] for row in rows]
        if len(rows) == 1 or all(len(f) <= 1 for f in filled):
            items = [c for f in filled for c in f][:MAX_LISTED]
            if len(items) == 1:
                return [sentence(items[0])]
            return [phrases.key_points.format(items=join_items(items, phrases))]
        caption = ""
        while len(rows) > 2 and len([c for c in rows[0] if c]) == 1 and len(filled[1]) >= 2:
            caption = caption or next(c for c in rows[0] if c)  # a title row spanning the table
            rows, filled = rows[1:], filled[1:]
        header, body = rows[0], rows[1:]
        said = [sentence(caption)] if caption else []
        return said + RulesWriter._grid(header, body, phrases)

    @staticmethod
    def _grid(header: list[str], body: list[list[str]], phrases: Phrases) -> list[str]:
        if not header[0] and sum(1 for h in header[1:] if h) >= 2:
            columns = [h for h in header[1:] if h]
            labels = [row[0] for row in body if row and row[0]]
            out = [
                phrases.table_compare.format(
                    columns=join_items(columns, phrases), count=len(labels)
                )
            ]
            values = [c for row in body for c in row[1:] if c]
            if values and all(v in MARKS for v in values):
                for number, column in enumerate(header[1:], start=1):
                    if not column:
                        continue
                    checked = [
                        row[0] for row in body if len(row) > number and row[number] and row[0]
                    ]
                    if checked:
                        out.append(
                            phrases.checked.format(
                                column=column, items=join_items(checked, phrases)
                            )
                        )
                return out
            if labels:
                out.append(
                    phrases.criteria_list.format(items=join_items(labels[:MAX_LISTED], phrases))
                )
            return out
        columns = [h for h in header if h]
        out = [phrases.table_shape.format(rows=len(body), columns=join_items(columns, phrases))]
        first = body[0]
        pairs = [
            f"{name}: {value}" for name, value in zip(header, first, strict=False) if name and value
        ]
        if pairs and sum(len(p.split()) for p in pairs) <= EXAMPLE_WORDS:
            out.append(phrases.table_example.format(example="; ".join(pairs)))
        elif first and first[0] and len(first[0].split()) <= EXAMPLE_WORDS // 2:
            out.append(phrases.table_first.format(cell=first[0]))
        return out
