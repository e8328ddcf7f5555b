"""The ``bedrock`` writer through a real boto3 ``bedrock-runtime`` client and botocore's Stubber:
the Converse request it sends, the answer it takes, and how each failure is classed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from estudio.errors import WriterAnswerRejected, WriterBusy, WriterFailed
from estudio.models import TextBlock
from estudio.script.base import SlideBrief
from estudio.script.bedrock import BedrockWriter
from estudio.script.factory import Writers, llm_writer
from estudio.script.rules import RulesWriter
from estudio.settings import Settings
from estudio.speech.cloud import RetryPolicy

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
ANSWER = (
    "Este slide resume o bloqueio de energia. Antes de abrir o painel, desligue o disjuntor, "
    "confirme a ausência de tensão com o detector e instale o cadeado com a etiqueta."
)
BRIEF = SlideBrief(
    index=1,
    count=3,
    language="pt-BR",
    deck_title="Bloqueio",
    title="Procedimento",
    blocks=[TextBlock(paragraphs=["Desligar", "Testar", "Bloquear"], levels=[0, 0, 0])],
    previous_title="Abertura",
    next_title="Revisão",
)
NO_RETRY = RetryPolicy(attempts=1)


@pytest.fixture
def client() -> Iterator[tuple[Any, Stubber]]:
    bedrock = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(bedrock) as stubber:
        yield bedrock, stubber
        stubber.assert_no_pending_responses()


def converse_response(text: str, stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 100, "outputTokens": 40, "totalTokens": 140},
        "metrics": {"latencyMs": 420},
    }


def test_given_an_answer_when_written_then_the_converse_request_is_right(
    client: tuple[Any, Stubber],
) -> None:
    bedrock, stubber = client
    expected = {
        "modelId": MODEL,
        "system": [{"text": ANY}],
        "messages": [{"role": "user", "content": [{"text": ANY}]}],
        "inferenceConfig": {"maxTokens": ANY, "temperature": 0.3},
    }
    stubber.add_response("converse", converse_response(ANSWER), expected)
    sent: list[dict[str, Any]] = []
    bedrock.meta.events.register(
        "provide-client-params.bedrock-runtime.Converse", lambda params, **_: sent.append(params)
    )

    text = BedrockWriter(bedrock, MODEL, retry=NO_RETRY).write(BRIEF, "write", "rascunho")

    assert text == ANSWER
    prompt = sent[0]["messages"][0]["content"][0]["text"]
    assert "Slide title: Procedimento" in prompt and "Next slide's title: Revisão" in prompt


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ThrottlingException", WriterBusy),
        ("ModelTimeoutException", WriterBusy),
        ("ServiceUnavailableException", WriterBusy),
        ("AccessDeniedException", WriterFailed),
        ("ValidationException", WriterFailed),
    ],
)
def test_given_a_client_error_when_written_then_it_is_classed(
    client: tuple[Any, Stubber], code: str, error: type[WriterFailed]
) -> None:
    bedrock, stubber = client
    stubber.add_client_error("converse", service_error_code=code, http_status_code=400)

    with pytest.raises(error) as raised:
        BedrockWriter(bedrock, MODEL, retry=NO_RETRY).write(BRIEF, "write", "rascunho")

    assert raised.value.transient is (error is WriterBusy)
    assert code in raised.value.message


def test_given_throttling_then_success_when_written_then_the_retry_answers(
    client: tuple[Any, Stubber],
) -> None:
    bedrock, stubber = client
    stubber.add_client_error("converse", service_error_code="ThrottlingException")
    stubber.add_response("converse", converse_response(ANSWER))
    sleeps: list[float] = []
    retry = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02)

    text = BedrockWriter(bedrock, MODEL, retry=retry, sleep=sleeps.append).write(
        BRIEF, "write", "rascunho"
    )

    assert text == ANSWER and len(sleeps) == 1


def test_given_an_answer_cut_off_or_in_markdown_when_written_then_it_is_refused(
    client: tuple[Any, Stubber],
) -> None:
    bedrock, stubber = client
    stubber.add_response("converse", converse_response(ANSWER, stop="max_tokens"))
    stubber.add_response("converse", converse_response("## Procedimento\n\n1. Desligar"))
    writer = BedrockWriter(bedrock, MODEL, retry=NO_RETRY)

    with pytest.raises(WriterFailed, match="cut off"):
        writer.write(BRIEF, "write", "rascunho")
    with pytest.raises(WriterAnswerRejected, match="markdown"):
        writer.write(BRIEF, "write", "rascunho")


def test_given_bedrock_settings_when_writers_are_built_then_bedrock_is_the_llm() -> None:
    settings = Settings(bedrock_model_id=MODEL, bedrock_region="us-east-1")

    built = llm_writer(settings)

    assert isinstance(built, BedrockWriter)
    assert built.model_id == MODEL
    assert built.client.meta.region_name == "us-east-1"
    assert Writers(rules=RulesWriter(), llm=built).preferred is built
