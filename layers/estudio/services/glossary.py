"""The tenant's pronunciation glossary, and the one a render reads (default < tenant < project)."""

from __future__ import annotations

from typing import Any

from estudio.errors import Conflict
from estudio.services.context import ApiServices
from estudio.speech.glossary import TENANT_GLOSSARY_KIND, Glossary, tenant_glossary


def get_glossary(services: ApiServices, tenant: str) -> Glossary:
    return tenant_glossary(services.items, tenant)


def set_tenant_glossary(services: ApiServices, tenant: str, glossary: Glossary) -> Glossary:
    data = glossary.model_dump(mode="json")
    try:
        services.items.create(TENANT_GLOSSARY_KIND, tenant, tenant, data)
    except Conflict:
        services.items.update(TENANT_GLOSSARY_KIND, tenant, data)
    return glossary


def render_glossary(
    services: ApiServices, tenant: str, project_entries: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """default (applied by the speech stage) < tenant < project."""
    project = Glossary.model_validate({"entries": project_entries or []})
    merged = tenant_glossary(services.items, tenant).merged(project)
    return [entry.model_dump() for entry in merged.entries]
