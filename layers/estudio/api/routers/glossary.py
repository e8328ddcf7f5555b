"""The tenant's pronunciation glossary (projects have their own: ``ProjectUpdate.glossary``)."""

from __future__ import annotations

from fastapi import APIRouter

from estudio.api.deps import ServicesDep, TenantDep
from estudio.api.schemas import GlossaryPublic
from estudio.services.glossary import get_glossary as tenant_glossary
from estudio.services.glossary import set_tenant_glossary
from estudio.speech.glossary import Glossary

router = APIRouter(tags=["glossary"])


@router.get("/glossary", response_model=GlossaryPublic, summary="The tenant's glossary")
def get_glossary(services: ServicesDep, tenant: TenantDep) -> GlossaryPublic:
    return GlossaryPublic(entries=tenant_glossary(services, tenant).entries)


@router.put("/glossary", response_model=GlossaryPublic, summary="Replace the tenant's glossary")
def put_glossary(services: ServicesDep, tenant: TenantDep, body: GlossaryPublic) -> GlossaryPublic:
    saved = set_tenant_glossary(services, tenant, Glossary(entries=body.entries))
    return GlossaryPublic(entries=saved.entries)
