"""A local HTTP server that answers like an OpenAI-compatible chat-completions endpoint (the
documented response shape), scripted per request: an answer, an HTTP status, or a slow answer."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    delay_s: float = 0.0


@dataclass
class FakeLLM:
    base_url: str = ""
    replies: list[Reply] = field(default_factory=list)  # consumed in order, then ``default``
    # replies for the prompts that name a slide title ("Slide title: X"), consumed in order
    by_title: dict[str, list[Reply]] = field(default_factory=dict)
    # a reply for every prompt that contains the key (translation prompts, say), never consumed
    when: dict[str, Reply] = field(default_factory=dict)
    default: Reply = field(default_factory=lambda: Reply("Texto padrão."))
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, prompt: str) -> Reply:
        with self.lock:
            for needle, reply in self.when.items():
                if needle in prompt:
                    return reply
            for title, queued in self.by_title.items():
                if f"Slide title: {title}\n" in prompt and queued:
                    return queued.pop(0)
            return self.replies.pop(0) if self.replies else self.default


def completion(content: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-local",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


@contextmanager
def serve_fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with fake.lock:
                fake.requests.append(body)
                fake.headers.append({k.lower(): v for k, v in self.headers.items()})
            if self.path != "/v1/chat/completions":
                self._send(404, {"error": {"message": "not found"}})
                return
            messages = body.get("messages") or [{}]
            reply = fake.next_reply(str(messages[-1].get("content", "")))
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.status != 200:
                self._send(reply.status, {"error": {"message": "scripted failure"}})
                return
            self._send(200, completion(reply.content, body.get("model", "")))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
