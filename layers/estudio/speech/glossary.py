"""Pronunciation glossary: how a term is read aloud, per tenant and per project.

File format (UTF-8 TSV, ``#`` comments): ``term<TAB>spoken[<TAB>ipa]``. Later layers override
earlier ones (default < tenant < project). Each provider compiles the glossary its own way: plain
substitution for espeak, alias rules for ElevenLabs, ``<sub>``/``<phoneme>`` SSML for Azure.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from estudio.errors import InvalidOptions, NotFound

if TYPE_CHECKING:
    from estudio.ports import ItemStore


class GlossaryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    term: str = Field(min_length=1, max_length=100)
    spoken: str = Field(min_length=1, max_length=300)
    ipa: str | None = None
    case_sensitive: bool = False
    whole_word: bool = True  # match only between word boundaries ("EPI" not inside "EPIs")


class Glossary(BaseModel):
    model_config = ConfigDict(frozen=True)

    entries: list[GlossaryEntry] = []

    @property
    def version(self) -> str:
        """Stable hash of the content: part of the speech cache key."""
        text = "\n".join(
            f"{e.term}\t{e.spoken}\t{e.ipa or ''}\t{e.case_sensitive}" for e in self.entries
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def merged(self, *overrides: Glossary) -> Glossary:
        by_term: dict[str, GlossaryEntry] = {e.term.casefold(): e for e in self.entries}
        for layer in overrides:
            for entry in layer.entries:
                by_term[entry.term.casefold()] = entry
        return Glossary(entries=list(by_term.values()))

    @classmethod
    def parse_tsv(cls, text: str) -> Glossary:
        entries: list[GlossaryEntry] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            fields = [f.strip() for f in raw.split("\t")]
            if len(fields) < 2 or not fields[0] or not fields[1]:
                raise InvalidOptions(
                    f"glossary line {number}: expected 'term<TAB>spoken[<TAB>ipa]'"
                )
            ipa = fields[2] if len(fields) > 2 and fields[2] else None
            entries.append(GlossaryEntry(term=fields[0], spoken=fields[1], ipa=ipa))
        return cls(entries=entries)

    def to_tsv(self) -> str:
        rows = [f"{e.term}\t{e.spoken}" + (f"\t{e.ipa}" if e.ipa else "") for e in self.entries]
        return "\n".join(rows) + "\n"

    @classmethod
    def load(cls, path: Path) -> Glossary:
        return cls.parse_tsv(path.read_text(encoding="utf-8"))


def default_glossary(language: str = "pt-BR") -> Glossary:
    """The glossary shipped for Brazilian safety training (empty for other languages)."""
    if not language.lower().startswith("pt"):
        return Glossary()
    text = resources.files("estudio.speech").joinpath("glossary_ptbr_safety.tsv").read_text("utf-8")
    return Glossary.parse_tsv(text)


TENANT_GLOSSARY_KIND = "glossary"  # one item per tenant, id = the tenant


def tenant_glossary(items: ItemStore, tenant: str) -> Glossary:
    """The tenant's own glossary (``PUT /v1/glossary``); empty when it has none."""
    try:
        item = items.get(TENANT_GLOSSARY_KIND, tenant)
    except NotFound:
        return Glossary()
    return Glossary.model_validate(item.data) if item.tenant == tenant else Glossary()
