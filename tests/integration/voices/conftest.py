"""A local HTTP server that answers like the ElevenLabs API (documented response shapes), so the
real SDK is driven end to end without the network."""

from __future__ import annotations

import base64
import json
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

SECONDS_PER_CHAR = 0.06


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeElevenLabs:
    """Answers queued statuses first (``fail_with``), then real-shaped successes."""

    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)
    voices_status: int = 200
    voices: list[dict[str, Any]] = field(default_factory=list)

    def tts_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/with-timestamps")]


def speech_response(text: str, sample_rate: int) -> dict[str, Any]:
    """``audio_base64`` (PCM s16le: a tone while characters sound) + character alignment."""
    starts = [round(i * SECONDS_PER_CHAR, 3) for i in range(len(text))]
    ends = [round((i + 1) * SECONDS_PER_CHAR, 3) for i in range(len(text))]
    total = round((len(text) * SECONDS_PER_CHAR + 0.1) * sample_rate)
    frames = bytearray()
    for n in range(total):
        value = int(8000 * math.sin(2 * math.pi * 220 * n / sample_rate))
        frames += value.to_bytes(2, "little", signed=True)
    alignment = {
        "characters": list(text),
        "character_start_times_seconds": starts,
        "character_end_times_seconds": ends,
    }
    return {
        "audio_base64": base64.b64encode(bytes(frames)).decode("ascii"),
        "alignment": alignment,
        "normalized_alignment": alignment,
    }


def _handler(state: FakeElevenLabs) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> Recorded:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            recorded = Recorded(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=json.loads(raw) if raw else {},
            )
            state.requests.append(recorded)
            return recorded

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            recorded = self._record()
            if state.fail_with:
                status = state.fail_with.pop(0)
                self._send(status, {"detail": {"status": "error", "message": f"status {status}"}})
                return
            rate = int(recorded.query.get("output_format", ["pcm_22050"])[0].split("_")[1])
            self._send(200, speech_response(recorded.body["text"], rate))

        def do_GET(self) -> None:
            self._record()
            if self.voices_status_is_error():
                self._send(state.voices_status, {"detail": "nope"})
                return
            self._send(200, {"voices": state.voices})

        def voices_status_is_error(self) -> bool:
            return state.voices_status >= 400

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def fake_elevenlabs() -> Iterator[FakeElevenLabs]:
    state = FakeElevenLabs()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class SleepLog:
    """Injected instead of ``time.sleep``: records the pauses, waits for none."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()
