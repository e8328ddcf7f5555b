"""The talking presenter: built-in drawn presenters, their animation and the scene compositor.

Names load on first use: the catalog (which presenters exist, checked by the API and the plan)
must not pull in the compositor's numpy and Pillow.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from estudio.avatar.bench import bench_avatar, synthetic_visemes
    from estudio.avatar.catalog import AvatarInfo, get_avatar, list_avatars
    from estudio.avatar.render import (
        LAYOUTS,
        AvatarRenderStats,
        Rect,
        presenter_box,
        render_avatar_segment,
    )
    from estudio.avatar.timeline import FrameState, MouthPose, Timeline, build_timeline

_WHERE = {
    "bench_avatar": "bench",
    "synthetic_visemes": "bench",
    "AvatarInfo": "catalog",
    "get_avatar": "catalog",
    "list_avatars": "catalog",
    "LAYOUTS": "render",
    "AvatarRenderStats": "render",
    "Rect": "render",
    "presenter_box": "render",
    "render_avatar_segment": "render",
    "FrameState": "timeline",
    "MouthPose": "timeline",
    "Timeline": "timeline",
    "build_timeline": "timeline",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LAYOUTS",
    "AvatarInfo",
    "AvatarRenderStats",
    "FrameState",
    "MouthPose",
    "Rect",
    "Timeline",
    "bench_avatar",
    "build_timeline",
    "get_avatar",
    "list_avatars",
    "presenter_box",
    "render_avatar_segment",
    "synthetic_visemes",
]
