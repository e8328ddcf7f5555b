"""The ``openai`` writer: any OpenAI-compatible chat-completions endpoint (a hosted service, or a
local server such as vLLM or Ollama), through httpx.

``ESTUDIO_LLM_BASE_URL`` (e.g. ``http://127.0.0.1:11434/v1``), ``ESTUDIO_LLM_MODEL`` and, when the
endpoint needs one, ``ESTUDIO_LLM_API_KEY`` (sent only as the bearer token, to that endpoint).
429, 5xx, timeouts and connection failures are ``WriterBusy`` (retried once); other refusals and
unreadable answers ``WriterFailed``; answers that are not usable narration
``WriterAnswerRejected``. Scripts are never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from estudio.errors import WriterBusy, WriterFailed
from estudio.observability import logger
from estudio.script.base import SlideBrief, Task, WriterName
from estudio.script.llm import Prompt, build_prompt, validate_answer
from estudio.speech.cloud import RetryPolicy, Sleep, call_with_retry

DEFAULT_RETRY = RetryPolicy(attempts=2, base_delay_s=1.0, max_delay_s=4.0)


class OpenAIWriter:
    name: WriterName = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key or None
        self.timeout_s = timeout_s
        self.retry = retry
        self.sleep = sleep
        self.transport = transport

    def write(self, brief: SlideBrief, task: Task, draft: str) -> str:
        prompt = build_prompt(brief, task, draft)
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "temperature": 0.3,
            "max_tokens": prompt.max_tokens,
            "stream": False,
        }
        return checked_answer(
            self.name, brief, prompt, lambda: self._ask(body), self.retry, self.sleep
        )

    def complete(self, system: str, user: str, max_tokens: int) -> str:
        """One raw answer to ``system`` + ``user`` (the caller validates it); transient
        failures are retried like ``write``'s."""
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": 0.2,
            "max_tokens": max_tokens,
            "stream": False,
        }
        return call_with_retry(
            lambda: self._ask(body), self.retry, sleep=self.sleep, what=f"writer {self.name}"
        )

    def _ask(self, body: dict[str, Any]) -> str:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            with httpx.Client(timeout=self.timeout_s, transport=self.transport) as client:
                response = client.post(self.url, json=body, headers=headers)
        except httpx.TimeoutException as error:
            raise WriterBusy(f"the LLM did not answer in {self.timeout_s:g} s") from error
        except httpx.TransportError as error:
            raise WriterBusy(f"the LLM is unreachable ({type(error).__name__})") from error
        status = response.status_code
        if status == 429 or status >= 500:
            raise WriterBusy(f"the LLM is unavailable (HTTP {status})", status=status)
        if status >= 400:
            raise WriterFailed(f"the LLM refused the request (HTTP {status})", status=status)
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise WriterFailed("the LLM answered something unreadable") from error
        if not isinstance(content, str):
            raise WriterFailed("the LLM answered something unreadable")
        return content


def checked_answer(
    writer: WriterName,
    brief: SlideBrief,
    prompt: Prompt,
    ask: Callable[[], str],
    retry: RetryPolicy,
    sleep: Sleep,
) -> str:
    """Ask (retrying what is transient), validate the answer, log how it went (never the text)."""
    started = time.perf_counter()
    answer = call_with_retry(ask, retry, sleep=sleep, what=f"writer {writer}")
    text = validate_answer(answer, brief, prompt)
    logger.info(
        "script written",
        writer=writer,
        scene=brief.index,
        words=len(text.split()),
        seconds=round(time.perf_counter() - started, 3),
    )
    return text
