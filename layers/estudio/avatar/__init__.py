"""The talking presenter: built-in drawn presenters, their animation and the scene compositor."""

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
