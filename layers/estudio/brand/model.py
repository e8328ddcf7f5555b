"""The brand kit as data. Pure: no I/O.

In a brand file asset ``path`` fields are paths relative to the file; once ingested
(``estudio.brand.ingest``) they are blob keys (``brand/assets/<sha256>.<ext>``), which is what
travels in ``RenderOptions.brand`` through every stage.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Color = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]
TemplateName = Literal["none", "modern", "corporate", "tech", "education", "minimal"]
MusicPreset = Literal["calm", "bright", "focus"]
AssetRef = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
CardText = Annotated[str, StringConstraints(max_length=200)]
SayText = Annotated[str, StringConstraints(max_length=400)]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Logo(_Part):
    path: AssetRef
    corner: Corner = "top-right"
    width: float = Field(default=0.12, ge=0.02, le=0.5)  # share of the frame width
    margin: float = Field(default=0.03, ge=0.0, le=0.2)  # share of the frame width
    on_cards: bool = True  # also on the intro and outro cards


class Card(_Part):
    title: CardText | None = None  # None: the deck's title
    subtitle: CardText | None = None
    say: SayText | None = None  # its own narration line
    duration_s: float = Field(default=4.0, ge=3.0, le=6.0)  # at least this, longer if "say" is


class Bookend(_Part):
    """An intro or an outro: a generated card, or an uploaded video clip (transcoded to the
    output's size and frame rate, letterboxed, its audio kept)."""

    card: Card | None = None
    video: AssetRef | None = None
    video_duration_s: float | None = Field(default=None, gt=0)  # measured by ingest

    @model_validator(mode="after")
    def _one_kind(self) -> Bookend:
        if (self.card is None) == (self.video is None):
            raise ValueError("an intro or outro needs exactly one of 'card' or 'video'")
        return self


class Colors(_Part):
    primary: Color = "#0B3D91"
    text: Color = "#FFFFFF"
    accent: Color | None = None


class CaptionStyle(_Part):
    color: Color = "#FFFFFF"
    box: Color | None = None  # a box behind the lines (None: an outline instead)
    outline: Color = "#000000"
    position: Literal["bottom", "top"] = "bottom"
    size: float = Field(default=1.0, ge=0.5, le=2.0)  # times the default size


class Music(_Part):
    path: AssetRef | None = None  # MP3, WAV, AAC, OGG, FLAC
    preset: MusicPreset | None = None  # a bed the project synthesises
    level_lufs: float = Field(default=-22.0, ge=-40.0, le=-10.0)
    duck_db: float = Field(default=10.0, ge=0.0, le=30.0)
    fade_in_s: float = Field(default=1.5, ge=0.0, le=10.0)
    fade_out_s: float = Field(default=3.0, ge=0.0, le=10.0)

    @model_validator(mode="after")
    def _one_source(self) -> Music:
        if (self.path is None) == (self.preset is None):
            raise ValueError("music needs exactly one of 'path' or 'preset'")
        return self


class BrandKit(_Part):
    logo: Logo | None = None
    intro: Bookend | None = None
    outro: Bookend | None = None
    colors: Colors = Colors()
    font: AssetRef | None = None  # a font file (asset) or an installed family name
    font_is_file: bool = False  # set by ingest: ``font`` is an asset, not a family
    captions: CaptionStyle | None = None
    music: Music | None = None
    template: TemplateName = "none"

    @property
    def has_clip(self) -> bool:
        return any(b is not None and b.video is not None for b in (self.intro, self.outro))

    def asset_keys(self) -> list[str]:
        """The blob keys an ingested kit refers to."""
        found = [self.logo.path if self.logo else None, self.music.path if self.music else None]
        found.append(self.font if self.font_is_file else None)
        found += [b.video for b in (self.intro, self.outro) if b is not None]
        return [key for key in found if key]
