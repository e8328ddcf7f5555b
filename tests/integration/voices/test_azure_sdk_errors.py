"""AzureProvider through the real Speech SDK against a local endpoint: the SDK's own handshake
failures must come out as our error classes (and transient ones retried)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from estudio.errors import VoiceProviderAuthError, VoiceProviderUnavailable
from estudio.models import SpeechText
from estudio.speech.azure import NO_REGION, AzureProvider
from estudio.speech.base import VoiceInfo
from estudio.speech.cloud import RetryPolicy

from .conftest import SleepLog

VOICE = VoiceInfo(
    id="azure:pt-BR-FranciscaNeural", provider="azure", name="Francisca", language="pt-BR"
)
FAST = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02)
TEXT = SpeechText(written="Olá", spoken="Olá")


class Endpoint:
    def __init__(self, status: int) -> None:
        self.status = status
        self.upgrades: list[dict[str, str]] = []
        self.url = ""


@pytest.fixture
def endpoint(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    state = Endpoint(request.param)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.upgrades.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"ws://127.0.0.1:{server.server_address[1]}/cognitiveservices/websocket/v1"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("endpoint", [401, 403], indirect=True)
def test_given_a_refused_key_when_synthesizing_then_auth_error_without_retry(
    endpoint: Endpoint, sleeps: SleepLog, tmp_path: Path
) -> None:
    provider = AzureProvider(
        key="bad-key", region=None, endpoint=endpoint.url, retry=FAST, sleep=sleeps
    )

    with pytest.raises(VoiceProviderAuthError):
        provider.synthesize(TEXT, VOICE, tmp_path / "a.wav")

    assert endpoint.upgrades[0]["ocp-apim-subscription-key"] == "bad-key"
    assert sleeps.pauses == []


@pytest.mark.parametrize("endpoint", [429, 500], indirect=True)
def test_given_a_busy_service_when_synthesizing_then_retried_then_unavailable(
    endpoint: Endpoint, sleeps: SleepLog, tmp_path: Path
) -> None:
    provider = AzureProvider(key="k", region=None, endpoint=endpoint.url, retry=FAST, sleep=sleeps)

    with pytest.raises(VoiceProviderUnavailable):
        provider.synthesize(TEXT, VOICE, tmp_path / "a.wav")

    assert len(sleeps.pauses) == FAST.attempts - 1
    assert not (tmp_path / "a.wav").exists()


def test_given_nothing_listening_when_synthesizing_then_unavailable(
    sleeps: SleepLog, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = AzureProvider(
        key="k", region=None, endpoint=f"ws://127.0.0.1:{port}/v1", retry=FAST, sleep=sleeps
    )

    with pytest.raises(VoiceProviderUnavailable):
        provider.synthesize(TEXT, VOICE, tmp_path / "a.wav")


def test_given_a_key_but_no_region_when_synthesizing_then_auth_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceProviderAuthError, match=NO_REGION):
        AzureProvider(key="k", region=None).synthesize(TEXT, VOICE, tmp_path / "a.wav")


@pytest.mark.parametrize("endpoint", [401], indirect=True)
def test_given_a_refused_key_when_listing_then_known_voices_are_unavailable_not_raised(
    endpoint: Endpoint,
) -> None:
    voices = AzureProvider(key="bad-key", region=None, endpoint=endpoint.url).voices()

    assert voices and all(not v.available for v in voices)
    assert "azure:pt-BR-FranciscaNeural" in {v.id for v in voices}
