"""Voice keys from Secrets Manager (moto): read through Powertools parameters, cached, and
harmless when missing — providers without a key are listed unavailable, nothing crashes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities import parameters

from estudio import constants as c
from estudio.adapters.aws import context as aws_context
from estudio.adapters.aws.context import build_stage_context, cached_adapters
from estudio.api.keys import create_key
from estudio.speech.registry import default_registry
from tests.events.loader import FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import FakeCloud

KEYS = {
    "ELEVENLABS_API_KEY": "el-test-key",
    "AZURE_SPEECH_KEY": "az-test-key",
    "AZURE_SPEECH_REGION": "brazilsouth",
}


@pytest.fixture
def secret(cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A secret as the Storage stack creates it (``{}``), its ARN in the function's env."""
    parameters.clear_caches()
    arn = cloud.client("secretsmanager").create_secret(Name="voice-keys", SecretString="{}")["ARN"]
    monkeypatch.setenv(c.ENV_VOICE_SECRET_ARN, arn)
    aws_context.get_cloud_settings.cache_clear()
    aws_context.cached_adapters.cache_clear()
    yield str(arn)
    parameters.clear_caches()


def _put(cloud: FakeCloud, arn: str, value: str) -> None:
    cloud.client("secretsmanager").put_secret_value(SecretId=arn, SecretString=value)


def test_given_keys_in_the_secret_when_a_stage_context_is_built_then_settings_carry_them(
    cloud: FakeCloud, secret: str
) -> None:
    _put(cloud, secret, json.dumps(KEYS))

    settings = build_stage_context().settings

    assert settings.elevenlabs_api_key is not None
    assert settings.elevenlabs_api_key.get_secret_value() == "el-test-key"
    assert settings.azure_speech_key is not None
    assert settings.azure_speech_key.get_secret_value() == "az-test-key"
    assert settings.azure_speech_region == "brazilsouth"
    assert cached_adapters().settings.elevenlabs_api_key is None  # the base is left alone


def test_given_a_read_secret_when_it_changes_then_the_cached_value_serves_until_max_age(
    cloud: FakeCloud, secret: str
) -> None:
    _put(cloud, secret, json.dumps(KEYS))
    build_stage_context()
    _put(cloud, secret, json.dumps({**KEYS, "AZURE_SPEECH_REGION": "eastus"}))

    cached = build_stage_context().settings
    parameters.clear_caches()  # what max_age expiring does
    fresh = build_stage_context().settings

    assert (cached.azure_speech_region, fresh.azure_speech_region) == ("brazilsouth", "eastus")


@pytest.mark.parametrize(
    "value",
    [
        "{}",
        '{"ELEVENLABS_API_KEY": "", "AZURE_SPEECH_KEY": "  ", "AZURE_SPEECH_REGION": ""}',
        "k8Jd0s-random-password-not-json",
        '["not", "an", "object"]',
        '{"ELEVENLABS_API_KEY": 42}',
    ],
)
def test_given_an_empty_or_malformed_secret_when_built_then_providers_are_listed_unavailable(
    cloud: FakeCloud, secret: str, value: str
) -> None:
    _put(cloud, secret, value)

    settings = build_stage_context().settings
    voices = default_registry(settings).list_voices("pt-BR")

    assert (settings.elevenlabs_api_key, settings.azure_speech_key) == (None, None)
    by_provider = {v.provider: v for v in voices if v.provider in ("elevenlabs", "azure")}
    assert set(by_provider) == {"elevenlabs", "azure"}
    assert not any(v.available for v in voices if v.provider in ("elevenlabs", "azure"))
    assert any(v.available for v in voices if v.provider == "espeak")


def test_given_a_secret_that_does_not_exist_when_built_then_no_crash_and_no_keys(
    cloud: FakeCloud, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(c.ENV_VOICE_SECRET_ARN, secret.replace("voice-keys", "deleted-keys"))
    aws_context.get_cloud_settings.cache_clear()
    aws_context.cached_adapters.cache_clear()

    settings = build_stage_context().settings

    assert settings.elevenlabs_api_key is None


def test_given_no_secret_arn_when_built_then_secrets_manager_is_not_called(
    cloud: FakeCloud,
) -> None:
    parameters.clear_caches()

    settings = build_stage_context().settings

    assert settings is cached_adapters().settings
    assert "secrets" not in parameters.base.DEFAULT_PROVIDERS


def test_given_an_empty_secret_when_the_api_lists_voices_then_cloud_voices_are_unavailable(
    cloud: FakeCloud, secret: str
) -> None:
    key = create_key(cached_adapters().items, "acme", label="ci")
    event = load_event("apigw_http_get_health")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/v1/voices"
    event["rawQueryString"] = "language=pt-BR"
    event["headers"]["authorization"] = f"Bearer {key}"

    response = load_handler("api").handler(event, FakeLambdaContext())

    assert response["statusCode"] == 200, response
    voices = json.loads(response["body"])
    eleven = [v for v in voices if v["provider"] == "elevenlabs"]
    assert eleven and all(not v["available"] for v in eleven)
    assert {v["reason"] for v in eleven} == {"no ELEVENLABS_API_KEY"}
