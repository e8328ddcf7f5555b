"""Video encoding: still segments, the one audio track, assembly, thumbnail, probing."""

from estudio.media.assemble import assemble_video, ffmetadata
from estudio.media.audio import AudioPart, build_audio_track, read_wav, resample, write_wav
from estudio.media.ffmpeg import (
    choose_encoder,
    ffmpeg_exe,
    run_ffmpeg,
    still_encode_args,
    video_encode_args,
)
from estudio.media.probe import MediaInfo, mp4_duration_s, mp4_top_level_boxes, probe
from estudio.media.render import frame_count, render_still_segment
from estudio.media.thumbnail import make_thumbnail

__all__ = [
    "AudioPart",
    "MediaInfo",
    "assemble_video",
    "build_audio_track",
    "choose_encoder",
    "ffmetadata",
    "ffmpeg_exe",
    "frame_count",
    "make_thumbnail",
    "mp4_duration_s",
    "mp4_top_level_boxes",
    "probe",
    "read_wav",
    "render_still_segment",
    "resample",
    "run_ffmpeg",
    "still_encode_args",
    "video_encode_args",
    "write_wav",
]
