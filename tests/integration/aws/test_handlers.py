"""Lambda handlers with real event JSON against moto: parse event → domain → AWS adapters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from estudio import constants as c
from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.ingest import dropbox_objects, job_id_for
from estudio.api.keys import create_key, hash_key, revoke_key, tenant_exists
from estudio.errors import NotFound
from estudio.jobs import JobStatus
from estudio.models import RenderOptions
from estudio.pipeline import keys
from estudio.webhooks.delivery import WebhookService
from estudio.webhooks.signing import verify
from tests.events.loader import FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import FakeCloud, Receiver, queue_messages


def _drop_deck(cloud: FakeCloud, event: dict[str, Any]) -> str:
    """Put an object where the event says, so the copy has something to copy; return its
    real version id (moto's), written back into the event. The folder's tenant gets a key
    first: decks of tenants nobody created a key for are refused."""
    obj = dropbox_objects(event)[0]
    items = cached_adapters().items
    if not tenant_exists(items, obj.tenant):
        create_key(items, obj.tenant)
    put = cloud.client("s3").put_object(Bucket=cloud.dropbox, Key=obj.key, Body=b"PK\x03\x04deck")
    if "Records" in event:
        event["Records"][0]["s3"]["bucket"]["name"] = cloud.dropbox
        event["Records"][0]["s3"]["object"]["versionId"] = put["VersionId"]
    else:
        event["detail"]["bucket"]["name"] = cloud.dropbox
        event["detail"]["object"]["version-id"] = put["VersionId"]
    return str(put["VersionId"])


@pytest.mark.parametrize(
    "fixture", ["s3_object_created_dropbox", "eventbridge_object_created_dropbox"]
)
def test_given_a_dropped_deck_when_the_event_arrives_twice_then_one_render_starts(
    cloud: FakeCloud, fixture: str
) -> None:
    event = load_event(fixture)
    _drop_deck(cloud, event)
    ingest = load_handler("ingest")

    first = ingest.handler(event, FakeLambdaContext())
    second = ingest.handler(event, FakeLambdaContext())

    assert first == second and len(first["jobs"]) == 1
    job_id = first["jobs"][0]["job_id"]
    assert job_id == job_id_for(dropbox_objects(event)[0])
    executions = cloud.client("stepfunctions").list_executions(
        stateMachineArn=cloud.state_machine_arn
    )["executions"]
    assert [e["name"] for e in executions] == [job_id]
    execution = cloud.client("stepfunctions").describe_execution(
        executionArn=executions[0]["executionArn"]
    )
    assert json.loads(execution["input"])["deck_key"] == keys.deck(job_id)
    adapters = cached_adapters()
    job = adapters.jobs.get(job_id)
    assert (job.tenant, job.source_name, job.status) == (
        "acme",
        "Treinamento de Segurança.pptx",
        JobStatus.QUEUED,
    )
    assert adapters.blobs.get_bytes(keys.deck(job_id)) == b"PK\x03\x04deck"


def test_given_the_same_key_uploaded_again_when_ingested_then_a_second_render_starts(
    cloud: FakeCloud,
) -> None:
    ingest = load_handler("ingest")
    first_event = load_event("s3_object_created_dropbox")
    _drop_deck(cloud, first_event)
    second_event = load_event("s3_object_created_dropbox")
    _drop_deck(cloud, second_event)  # a new version of the same key
    ingest.handler(first_event, FakeLambdaContext())
    ingest.handler(second_event, FakeLambdaContext())
    executions = cloud.client("stepfunctions").list_executions(
        stateMachineArn=cloud.state_machine_arn
    )["executions"]
    assert len(executions) == 2


def test_given_a_non_deck_object_when_ingested_then_nothing_starts(cloud: FakeCloud) -> None:
    event = load_event("eventbridge_object_created_dropbox")
    event["detail"]["object"]["key"] = "dropbox/acme/notes.txt"
    assert load_handler("ingest").handler(event, FakeLambdaContext()) == {"jobs": []}
    assert (
        cloud.client("stepfunctions").list_executions(stateMachineArn=cloud.state_machine_arn)[
            "executions"
        ]
        == []
    )


def test_given_a_caught_error_when_the_fail_stage_runs_then_the_job_is_failed_with_its_code(
    cloud: FakeCloud,
) -> None:
    event = load_event("sfn_fail_task_input")
    jobs = cached_adapters().jobs
    jobs.create(event["job_id"], "acme", keys.deck(event["job_id"]), "deck.pptx", RenderOptions())

    result = load_handler("fail").handler(event, FakeLambdaContext())

    assert result == {}
    job = jobs.get(event["job_id"])
    assert (job.status, job.error_code) == (JobStatus.FAILED, "corrupt_deck")
    assert job.error_message == "the deck is not a valid zip file"
    sqs = cloud.client("sqs")
    bodies = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=cloud.queue_url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert "render.failed" in [b["type"] for b in bodies]


def test_given_a_missing_job_when_a_stage_runs_then_the_domain_error_propagates(
    cloud: FakeCloud,
) -> None:
    event = load_event("sfn_fail_task_input")
    with pytest.raises(NotFound):
        load_handler("fail").handler(event, FakeLambdaContext())


def test_given_a_known_key_when_authorizing_then_the_tenant_comes_back(cloud: FakeCloud) -> None:
    items = cached_adapters().items
    key = create_key(items, "acme", label="ci")
    authorizer = load_handler("authorizer")
    event = load_event("apigw_authorizer_request")
    event["headers"]["authorization"] = f"Bearer {key}"

    assert authorizer.handler(event, FakeLambdaContext()) == {
        "isAuthorized": True,
        "context": {"tenant": "acme"},
    }
    event["headers"]["authorization"] = "Bearer est_wrong"
    assert authorizer.handler(event, FakeLambdaContext()) == {"isAuthorized": False}
    (stored,) = items.find(c.API_KEY_KIND, c.API_KEY_HASH_FIELD, hash_key(key))
    revoke_key(items, stored.id)
    event["headers"]["authorization"] = f"Bearer {key}"
    assert authorizer.handler(event, FakeLambdaContext()) == {"isAuthorized": False}


def test_given_a_job_event_when_consumed_then_the_webhook_gets_it_signed(
    cloud: FakeCloud, receiver: tuple[str, type[Receiver]]
) -> None:
    url, handler = receiver
    service = WebhookService(cached_adapters().items, allow_private=True)
    subscription, secret = service.subscribe("acme", url, ["render.completed", "render.failed"])
    consumer = load_handler("webhooks")

    stored = consumer.handler(load_event("sqs_job_event"), FakeLambdaContext())
    woken = consumer.handler({"Records": queue_messages(cloud)}, FakeLambdaContext())

    assert stored == woken == {"batchItemFailures": []}
    ((headers, body),) = handler.received
    assert json.loads(body)["type"] == "render.completed"
    assert headers["Estudio-Event-Type"] == "render.completed"
    assert verify(secret, body, headers["Estudio-Signature"])
    (delivery,) = service.deliveries("acme", subscription.id)
    assert (delivery.data["state"], delivery.data["last_status"]) == ("delivered", 204)


def test_given_a_malformed_message_when_consumed_then_only_that_record_is_reported_failed(
    cloud: FakeCloud,
) -> None:
    event = load_event("sqs_job_event")
    other = json.loads(json.dumps(event["Records"][0]))
    other["messageId"] = "7a1c2b3d-0000-4000-8000-000000000002"
    other["body"] = json.dumps({"hello": "world"})
    event["Records"].append(other)

    result = load_handler("webhooks").handler(event, FakeLambdaContext())

    assert result == {"batchItemFailures": [{"itemIdentifier": other["messageId"]}]}


def test_given_an_http_api_request_when_handled_then_the_fastapi_app_answers(
    cloud: FakeCloud,
) -> None:
    response = load_handler("api").handler(load_event("apigw_http_get_health"), FakeLambdaContext())
    assert response["statusCode"] == 200, response
    assert json.loads(response["body"])["status"] in ("ok", "degraded")
