"""Building the script writers from settings: called at the edges (CLI, handlers, app factory)
and the result passed in, like the voice registry."""

from __future__ import annotations

from dataclasses import dataclass

from estudio.script.base import LLMWriter, ScriptWriter
from estudio.script.rules import RulesWriter
from estudio.settings import Settings


@dataclass(frozen=True)
class Writers:
    """The offline writer, always there, and the LLM writer when one is configured."""

    rules: RulesWriter
    llm: LLMWriter | None = None

    @property
    def preferred(self) -> ScriptWriter:
        return self.llm or self.rules


def llm_writer(settings: Settings) -> LLMWriter | None:
    """The configured LLM writer, or None. ``auto`` picks an OpenAI-compatible endpoint when its
    URL and model are set, else Bedrock when a model id is set."""
    choice = settings.script_writer
    openai_ready = bool(settings.llm_base_url and settings.llm_model)
    if choice == "rules":
        return None
    if choice in ("auto", "openai") and openai_ready:
        from estudio.script.openai_compat import OpenAIWriter

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        assert settings.llm_base_url is not None and settings.llm_model is not None
        return OpenAIWriter(
            settings.llm_base_url, settings.llm_model, key, timeout_s=settings.llm_timeout_s
        )
    if choice in ("auto", "bedrock") and settings.bedrock_model_id:
        from estudio.script.bedrock import BedrockWriter, bedrock_client

        client = bedrock_client(settings.bedrock_region, settings.llm_timeout_s)
        return BedrockWriter(client, settings.bedrock_model_id)
    return None


def default_writers(settings: Settings) -> Writers:
    return Writers(rules=RulesWriter(), llm=llm_writer(settings))
