"""``estudio keys list|revoke`` and ``estudio tenants export|delete``: the operator's side of the
data lifecycle, on the local data folder (the same state and blobs ``estudio serve`` uses)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from estudio.errors import InvalidOptions, UnknownTenant

CLI_ACTOR = "cli"


def _services(args: argparse.Namespace) -> Any:
    from estudio.jobs import JobRepository
    from estudio.serve import open_stores
    from estudio.services.context import ApiServices
    from estudio.settings import Settings
    from estudio.webhooks.delivery import WebhookService

    settings = Settings(data=Path(args.data)) if args.data else Settings()
    items, blobs = open_stores(settings.data)
    webhooks = WebhookService(items)
    return ApiServices(
        items=items,
        blobs=blobs,
        jobs=JobRepository(items, events=webhooks),
        webhooks=webhooks,
        settings=settings,
    )


def _tenant(services: Any, name: str) -> str:
    from estudio.api.keys import tenant_exists, validate_tenant

    tenant = validate_tenant(name.lower())
    if not tenant_exists(services.items, tenant):
        raise UnknownTenant(f"no tenant {tenant!r}: no key was ever created for it")
    return tenant


def cmd_keys_list(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.api.keys import list_keys

    services = _services(args)
    keys = list_keys(services.items, _tenant(services, args.tenant))
    if not args.json:
        for key in keys:
            state = "revogada" if key["revoked"] else "ativa"
            print(f"{key['id']}  {key['prefix']}…  {state}  {key['label'] or ''}".rstrip())
    return {"keys": keys}


def cmd_keys_revoke(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.api.keys import revoke_key

    services = _services(args)
    tenant = revoke_key(services.items, args.key_id)
    services.audit.record(tenant, CLI_ACTOR, "keys revoke", {"key_id": args.key_id})
    if not args.json:
        print(f"revoked {args.key_id} ({tenant})")
    return {"revoked": args.key_id, "tenant": tenant}


def cmd_tenants_export(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.services.tenants import export_tenant

    services = _services(args)
    tenant = _tenant(services, args.tenant)
    out = Path(args.out)
    if out.is_dir():
        raise InvalidOptions(f"--out must be a file name, not a folder: {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".estudio-export-", dir=out.parent) as scratch:
        partial = Path(scratch) / "export.zip"
        export_tenant(services, tenant, partial, Path(scratch))
        services.audit.record(tenant, CLI_ACTOR, "tenants export", {})
        partial.replace(out)  # atomic: the ZIP appears whole or not at all
    if not args.json:
        print(out)
    return {"tenant": tenant, "out": str(out), "bytes": out.stat().st_size}


def cmd_tenants_delete(args: argparse.Namespace) -> dict[str, Any]:
    from estudio.services.tenants import erase_tenant

    if not args.yes:
        raise InvalidOptions("erasing a tenant cannot be undone: add --yes")
    services = _services(args)
    tenant = _tenant(services, args.tenant)
    counts = erase_tenant(services, tenant, tenant, actor=CLI_ACTOR)
    if not args.json:
        print(f"erased {tenant}: {counts['projects']} projects, {counts['renders']} renders")
    return {"tenant": tenant, **counts}


def add_commands(sub: Any, keys_sub: Any, common: argparse.ArgumentParser) -> None:
    """Register the commands on ``estudio``'s sub-parsers."""
    listing = keys_sub.add_parser("list", parents=[common], help="list a tenant's API keys")
    listing.add_argument("--tenant", required=True)
    listing.set_defaults(handler=cmd_keys_list)
    revoke = keys_sub.add_parser("revoke", parents=[common], help="revoke an API key by its id")
    revoke.add_argument("key_id", help="the key's id (key_…), from 'estudio keys list'")
    revoke.set_defaults(handler=cmd_keys_revoke)

    tenants = sub.add_parser("tenants", help="a tenant's data as a whole")
    tenants_sub = tenants.add_subparsers(dest="tenants_command", required=True)
    export = tenants_sub.add_parser(
        "export", parents=[common], help="write everything a tenant has to a ZIP"
    )
    export.add_argument("--tenant", required=True)
    export.add_argument("--out", required=True, help="the ZIP file to write")
    export.set_defaults(handler=cmd_tenants_export)
    delete = tenants_sub.add_parser(
        "delete", parents=[common], help="erase everything a tenant has and its keys"
    )
    delete.add_argument("--tenant", required=True)
    delete.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    delete.set_defaults(handler=cmd_tenants_delete)
