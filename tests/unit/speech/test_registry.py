"""Voice registry: listing, defaults per language, unknown and unavailable voices."""

from __future__ import annotations

import pytest

from estudio.errors import UnknownVoice
from estudio.settings import Settings
from estudio.speech.espeak import EspeakProvider
from estudio.speech.registry import VoiceRegistry, default_registry, language_matches


@pytest.fixture
def registry() -> VoiceRegistry:
    return VoiceRegistry([EspeakProvider()])


@pytest.mark.parametrize(
    ("language", "voice_id"),
    [("pt-BR", "espeak:pt-br"), ("pt-br", "espeak:pt-br"), ("pt-PT", "espeak:pt"),
     ("pt", "espeak:pt-br"), ("en", "espeak:en-us"), ("en-GB", "espeak:en"),
     ("es", "espeak:es"), ("es-MX", "espeak:es")],
)  # fmt: skip
def test_given_language_when_resolved_without_voice_then_offline_default(
    registry: VoiceRegistry, language: str, voice_id: str
) -> None:
    provider, voice = registry.resolve(None, language)
    assert provider.name == "espeak"
    assert voice.id == voice_id


def test_given_language_without_voice_when_resolved_then_unknown_voice(
    registry: VoiceRegistry,
) -> None:
    with pytest.raises(UnknownVoice):
        registry.resolve(None, "tlh")  # Klingon: no voice anywhere


@pytest.mark.parametrize("voice_id", ["espeak:xx", "nobody:voice", "pt-br", ""])
def test_given_unknown_id_when_resolved_then_unknown_voice(
    registry: VoiceRegistry, voice_id: str
) -> None:
    with pytest.raises(UnknownVoice):
        registry.resolve(voice_id, "pt-BR")


def test_given_explicit_voice_when_resolved_then_that_voice(registry: VoiceRegistry) -> None:
    _, voice = registry.resolve("espeak:en-us", "pt-BR")
    assert voice.language == "en-US"


def test_given_language_when_listing_then_best_fit_first_and_others_dropped(
    registry: VoiceRegistry,
) -> None:
    voices = registry.list_voices("pt-BR")
    assert [v.id for v in voices] == ["espeak:pt-br", "espeak:pt"]
    assert len(registry.list_voices()) >= 5


def test_given_no_keys_when_default_registry_then_cloud_voices_listed_but_unavailable() -> None:
    registry = default_registry(Settings(_env_file=None, ELEVENLABS_API_KEY=None))
    assert "espeak" in registry.providers
    cloud = [v for v in registry.list_voices("pt-BR") if v.provider != "espeak"]
    assert cloud, "the cloud providers are the project's own modules: they must be listed"
    unavailable = next(v for v in cloud if not v.available and v.provider == "elevenlabs")
    with pytest.raises(UnknownVoice, match="unavailable"):
        registry.resolve(unavailable.id, "pt-BR")
    _, default = registry.resolve(None, "pt-BR")
    assert default.id == "espeak:pt-br"


@pytest.mark.parametrize(
    ("have", "want", "score"),
    [("pt-BR", "pt-BR", 2), ("pt-BR", "pt-br", 2), ("pt-PT", "pt-BR", 1), ("en-US", "pt", 0)],
)
def test_given_languages_when_matched_then_score(have: str, want: str, score: int) -> None:
    assert language_matches(have, want) == score
