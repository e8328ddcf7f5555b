"""The ``bedrock`` writer: Amazon Bedrock's Converse API through boto3 (``bedrock-runtime``).

The model id and region come from settings (``ESTUDIO_BEDROCK_MODEL_ID``,
``ESTUDIO_BEDROCK_REGION``); the function's role may invoke that model only. Throttling, model
timeouts, 5xx and connection failures are ``WriterBusy``; access, validation and unknown-model
errors ``WriterFailed``; unusable answers ``WriterAnswerRejected``. Scripts are never logged.
"""

from __future__ import annotations

import time
from typing import Any

from estudio.errors import WriterBusy, WriterFailed
from estudio.script.base import SlideBrief, Task, WriterName
from estudio.script.llm import build_prompt
from estudio.script.openai_compat import DEFAULT_RETRY, checked_answer
from estudio.speech.cloud import RetryPolicy, Sleep, call_with_retry

_BUSY_CODES = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "ModelTimeoutException",
        "InternalServerException",
        "ModelNotReadyException",
        "TooManyRequestsException",
    }
)


def bedrock_client(region: str | None, timeout_s: float) -> Any:
    """A ``bedrock-runtime`` client whose own retries are off (ours are bounded)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=min(timeout_s, 10.0),
        read_timeout=timeout_s,
        retries={"max_attempts": 1, "mode": "standard"},
    )
    return boto3.client("bedrock-runtime", region_name=region, config=config)


class BedrockWriter:
    name: WriterName = "bedrock"

    def __init__(
        self,
        client: Any,
        model_id: str,
        *,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.client = client
        self.model_id = model_id
        self.retry = retry
        self.sleep = sleep

    def write(self, brief: SlideBrief, task: Task, draft: str) -> str:
        prompt = build_prompt(brief, task, draft)
        request = {
            "modelId": self.model_id,
            "system": [{"text": prompt.system}],
            "messages": [{"role": "user", "content": [{"text": prompt.user}]}],
            "inferenceConfig": {"maxTokens": prompt.max_tokens, "temperature": 0.3},
        }
        return checked_answer(
            self.name, brief, prompt, lambda: self._converse(request), self.retry, self.sleep
        )

    def complete(self, system: str, user: str, max_tokens: int) -> str:
        """One raw answer to ``system`` + ``user`` (the caller validates it)."""
        request = {
            "modelId": self.model_id,
            "system": [{"text": system}],
            "messages": [{"role": "user", "content": [{"text": user}]}],
            "inferenceConfig": {"maxTokens": max_tokens, "temperature": 0.2},
        }
        return call_with_retry(
            lambda: self._converse(request), self.retry, sleep=self.sleep, what="writer bedrock"
        )

    def _converse(self, request: dict[str, Any]) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.converse(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _BUSY_CODES:
                raise WriterBusy(f"Bedrock is unavailable ({code})", code=code) from error
            raise WriterFailed(f"Bedrock refused the request ({code or 'error'})") from error
        except BotoCoreError as error:  # timeouts, connection failures
            raise WriterBusy(f"Bedrock is unreachable ({type(error).__name__})") from error
        try:
            blocks = response["output"]["message"]["content"]
            text = "".join(block["text"] for block in blocks if "text" in block)
        except (KeyError, TypeError) as error:
            raise WriterFailed("Bedrock answered something unreadable") from error
        if response.get("stopReason") == "max_tokens":
            raise WriterFailed("Bedrock's answer was cut off")
        return text
