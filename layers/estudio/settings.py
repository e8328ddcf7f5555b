"""Settings: one pydantic model, validated once, read through ``get_settings()``.

Domain code receives values as arguments; only edges (CLI, handlers, app factory) call this.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".estudio"


class Limits(BaseSettings):
    """Bounds on hostile or oversized input."""

    model_config = SettingsConfigDict(env_prefix="ESTUDIO_LIMIT_")

    max_deck_bytes: int = 200 * 1024 * 1024
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_zip_entries: int = 20_000
    max_compression_ratio: float = 200.0
    max_slides: int = 1000
    max_image_pixels: int = 60_000_000
    max_script_chars: int = 10_000  # about 11 minutes of speech for one slide
    stage_timeout_s: int = 900
    stage_memory_bytes: int = 4 * 1024 * 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ESTUDIO_", env_nested_delimiter="__")

    data: Path = Field(default_factory=default_data_dir)
    limits: Limits = Field(default_factory=Limits)
    workers: int = 0  # parallel Map iterations; 0 = number of CPUs
    soffice: str | None = None  # LibreOffice binary; None = search PATH
    ffmpeg: str | None = None  # None = imageio-ffmpeg's bundled binary
    encoder: str = "auto"  # auto | libx264 | h264_nvenc
    render_host: str = "local"  # where scenes render, for the manifest: local | cpu | gpu
    face_python: str | None = None  # talking photo's face environment; None = .venv-face
    slides_at_upload: bool = True  # draw the slide images (slide cache) when a deck is uploaded
    slides_upload_timeout_s: int | None = None  # bound on that drawing; None: the stage timeout
    voice_chain: list[str] = []  # e.g. ["elevenlabs:<id>", "azure:pt-BR-FranciscaNeural"]
    elevenlabs_api_key: SecretStr | None = Field(default=None, alias="ELEVENLABS_API_KEY")
    elevenlabs_base_url: str | None = Field(default=None, alias="ELEVENLABS_BASE_URL")
    azure_speech_key: SecretStr | None = Field(default=None, alias="AZURE_SPEECH_KEY")
    azure_speech_region: str | None = Field(default=None, alias="AZURE_SPEECH_REGION")
    # The script writer: "auto" uses the LLM writer configured below (OpenAI-compatible first,
    # then Bedrock) and the offline rules writer otherwise; "rules" never calls an LLM.
    script_writer: Literal["auto", "rules", "openai", "bedrock"] = "auto"
    llm_base_url: str | None = None  # an OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout_s: float = 30.0
    bedrock_model_id: str | None = None  # e.g. anthropic.claude-3-haiku-20240307-v1:0
    bedrock_region: str | None = None  # None: the function's own region


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
