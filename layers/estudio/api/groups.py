"""The API's routes grouped by resource: in the cloud each group is its own small Lambda.

``estudio serve`` serves every group from one FastAPI app (``create_app``); the cloud puts each
group behind its own API Gateway routes, as a function that imports only that group's routers
(``create_app(..., group=...)``) and whose role holds only what those routes touch
(``stacks/api.py``). A route belongs to exactly one group; a test fails for a route in none.

A group takes whole routers, or some of a router's paths (``projects`` holds the project CRUD,
the deck upload and the render start; each goes to its own group). The ``files`` group (signed
local links) exists only locally: in the cloud, links are S3 presigned URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter

ROUTERS_PACKAGE = "estudio.api.routers"
GROUP_ENV = "ESTUDIO_API_GROUP"  # the group a cloud API function serves
ALL = ("*",)  # every path of the router


@dataclass(frozen=True)
class RouteGroup:
    name: str
    # router module (under estudio.api.routers) → the router paths this group serves
    routers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    cloud: bool = True  # deployed as a function (the local-only signed links are not)
    public: bool = False  # no API key: liveness and the page
    static: bool = False  # also serves /static (the page's assets)

    def modules(self) -> list[str]:
        return [f"{ROUTERS_PACKAGE}.{name}" for name in self.routers]

    def serves(self, router: str, path: str) -> bool:
        paths = self.routers.get(router)
        return paths is not None and (paths == ALL or path in paths)


PROJECT_PATHS = (
    "/projects",
    "/projects/{project_id}",
    "/projects/{project_id}/scenes",
    "/projects/{project_id}/scenes/{index}",
    "/projects/{project_id}/scenes/order",
    "/projects/{project_id}/scripts",
)
UPLOAD_PATHS = ("/projects/{project_id}/deck", "/projects/{project_id}/deck/complete")
RENDER_START_PATHS = ("/projects/{project_id}/renders",)

# In the order the full app includes them (the OpenAPI document's order).
GROUPS: tuple[RouteGroup, ...] = (
    RouteGroup("health", {"health": ALL, "web": ALL}, public=True, static=True),
    RouteGroup("projects", {"projects": PROJECT_PATHS}),
    # Deck uploads, and the brand kit with its assets (validated with Pillow, like decks).
    RouteGroup("uploads", {"projects": UPLOAD_PATHS, "brand": ALL}),
    # Scene previews and "hear it": ffmpeg, espeak-ng and the voice SDKs (the stage image).
    RouteGroup("previews", {"previews": ALL}),
    RouteGroup("renders", {"renders": ALL, "projects": RENDER_START_PATHS}),
    RouteGroup("webhooks", {"webhooks": ALL}),
    RouteGroup("catalog", {"catalog": ALL, "glossary": ALL}),
    # Export and erasure: every kind of the tenant's items and blobs, API keys included (and
    # the keys themselves: only this group's role writes them).
    RouteGroup("tenant", {"tenant": ALL, "keys": ALL}),
    RouteGroup("files", {"files": ALL}, cloud=False),
)


def group(name: str) -> RouteGroup:
    for candidate in GROUPS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no API group {name!r}: one of {[g.name for g in GROUPS]}")


def routers_of(selected: RouteGroup) -> list[tuple[str, APIRouter]]:
    """The group's routers by module name, each holding only the group's paths (imported
    here, lazily: a group's function loads no other group's routers)."""
    from fastapi import APIRouter

    routers = []
    for name, paths in selected.routers.items():
        source: APIRouter = import_module(f"{ROUTERS_PACKAGE}.{name}").router
        if paths == ALL:
            routers.append((name, source))
            continue
        subset = APIRouter()
        subset.routes.extend(r for r in source.routes if getattr(r, "path", None) in paths)
        routers.append((name, subset))
    return routers
