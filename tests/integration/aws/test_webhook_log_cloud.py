"""Cloud webhook deliveries write the local delivery log: ``webhook_delivery`` items in the
local shape (listed by the API), retries on the local policy through delayed wake-ups, replays
through the queue. The events consumer and the API run as their Lambda handlers against moto;
the webhook endpoint is a real HTTP server on loopback."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.webhooks import (
    JobEventEnvelope,
    WakeUp,
    cloud_webhooks,
    event_body,
)
from estudio.api.keys import create_key
from estudio.ports import Item
from estudio.webhooks.delivery import DELIVERY_KIND, WebhookService, find_items
from estudio.webhooks.signing import verify
from tests.events.loader import FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import FakeCloud, Receiver, delayed_messages, queue_messages

TENANT = "acme"


def _subscribe(url: str, events: list[str] | None = None) -> tuple[Item, str]:
    """As ``POST /v1/webhooks`` does (the local service's own ``subscribe``)."""
    service = WebhookService(cached_adapters().items, allow_private=True)
    return service.subscribe(TENANT, url, events or ["render.completed"])


def _consume(records: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = load_handler("webhooks").handler(
        {"Records": records}, FakeLambdaContext()
    )
    return result


def _job_event() -> dict[str, Any]:
    return load_event("sqs_job_event")


def _api(method: str, path: str, key: str) -> dict[str, Any]:
    event = load_event("apigw_http_get_health")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["headers"]["authorization"] = f"Bearer {key}"
    response: dict[str, Any] = load_handler("api").handler(event, FakeLambdaContext())
    return response


def test_given_the_local_publish_then_the_cloud_body_is_the_same_bytes(cloud: FakeCloud) -> None:
    items = cached_adapters().items
    _subscribe("https://hooks.example.com/a")
    local = WebhookService(items, clock=lambda: 1741957522.417)
    data = {"render_id": "job-1", "status": "succeeded", "title": "Integração"}

    local.publish("render.completed", TENANT, data)

    (stored,) = find_items(items, DELIVERY_KIND, "state", "pending")
    assert stored.data["body"] == event_body(
        stored.data["event_id"], "render.completed", 1741957522.417, data
    )


def test_given_a_job_event_when_consumed_then_the_api_lists_the_cloud_delivery(
    cloud: FakeCloud, receiver: tuple[str, type[Receiver]]
) -> None:
    url, handler = receiver
    subscription, secret = _subscribe(url)
    key = create_key(cached_adapters().items, TENANT, label="ci")

    assert _consume(_job_event()["Records"]) == {"batchItemFailures": []}
    assert _consume(queue_messages(cloud)) == {"batchItemFailures": []}  # the wake-up

    ((headers, body),) = handler.received
    envelope = json.loads(_job_event()["Records"][0]["body"])
    assert json.loads(body) == {
        "id": f"evt_{envelope['id']}",
        "type": "render.completed",
        "created_at": "2025-03-14T13:05:22.417+00:00",
        "data": envelope["data"],
    }
    assert headers["Estudio-Event-Id"] == f"evt_{envelope['id']}"
    assert verify(secret, body, headers["Estudio-Signature"])
    response = _api("GET", f"/v1/webhooks/{subscription.id}/deliveries", key)
    assert response["statusCode"] == 200, response
    (listed,) = json.loads(response["body"])["items"]
    assert listed["state"] == "delivered"
    assert listed["attempts"] == 1
    assert listed["last_status"] == 204
    assert listed["event_type"] == "render.completed"
    assert [entry["status_code"] for entry in listed["log"]] == [204]


def test_given_a_failing_endpoint_when_woken_then_the_attempt_is_logged_and_retried_later(
    cloud: FakeCloud, receiver: tuple[str, type[Receiver]]
) -> None:
    url, handler = receiver
    handler.status = 503
    subscription, _ = _subscribe(url)
    _consume(_job_event()["Records"])

    assert _consume(queue_messages(cloud)) == {"batchItemFailures": []}

    items = cached_adapters().items
    (delivery,) = find_items(items, DELIVERY_KIND, "subscription_id", subscription.id)
    assert delivery.data["state"] == "pending"
    assert (delivery.data["attempts"], delivery.data["last_status"]) == (1, 503)
    wait = delivery.data["next_attempt_at"] - time.time()
    assert 5 < wait <= 15  # the local policy's first backoff: 7.5–15 s
    assert queue_messages(cloud) == [] and delayed_messages(cloud) == 1

    handler.status = 200
    later = cloud_webhooks(cached_adapters())
    later.clock = lambda: time.time() + 20  # the delayed wake-up arrives
    after = later.wake(WakeUp(delivery_id=delivery.id))

    assert after is not None
    assert (after.data["state"], after.data["attempts"]) == ("delivered", 2)
    assert [e["status_code"] for e in after.data["log"]] == [503, 200]
    assert len(handler.received) == 2
    assert handler.received[0][1] == handler.received[1][1]  # the same event body
    assert subscription.id == after.data["subscription_id"]


def test_given_a_delivery_due_beyond_the_sqs_delay_when_woken_early_then_it_waits_again(
    cloud: FakeCloud, receiver: tuple[str, type[Receiver]]
) -> None:
    url, handler = receiver
    _subscribe(url)
    service = cloud_webhooks(cached_adapters())
    envelope = JobEventEnvelope.model_validate_json(_job_event()["Records"][0]["body"])
    (delivery,) = service.fan_out(envelope)
    queue_messages(cloud)  # its immediate wake-up, not used here
    items = cached_adapters().items
    items.update(DELIVERY_KIND, delivery.id, {"next_attempt_at": time.time() + 3 * 3600})

    service.wake(WakeUp(delivery_id=delivery.id))

    assert handler.received == []
    assert delayed_messages(cloud) == 1
    assert items.get(DELIVERY_KIND, delivery.id).data["attempts"] == 0


def test_given_a_duplicate_wake_up_when_consumed_then_the_endpoint_gets_one_post(
    cloud: FakeCloud, receiver: tuple[str, type[Receiver]]
) -> None:
    url, handler = receiver
    _subscribe(url)
    _consume(_job_event()["Records"])
    (wake_up,) = queue_messages(cloud)
    duplicate = {**wake_up, "messageId": "dup-0000"}

    assert _consume([wake_up, duplicate]) == {"batchItemFailures": []}

    assert len(handler.received) == 1


def test_given_a_redelivered_job_event_when_consumed_then_no_second_delivery_is_stored(
    cloud: FakeCloud, receiver: tuple[str, type[Receiver]]
) -> None:
    url, _ = receiver
    subscription, _ = _subscribe(url)
    first = _job_event()
    _consume(first["Records"])
    again = _job_event()
    again["Records"][0]["attributes"]["ApproximateReceiveCount"] = "2"

    _consume(again["Records"])

    service = WebhookService(cached_adapters().items)
    assert len(service.deliveries(TENANT, subscription.id)) == 1


def test_given_a_past_delivery_when_replayed_through_the_api_then_the_queue_sends_it_again(
    cloud: FakeCloud, receiver: tuple[str, type[Receiver]]
) -> None:
    url, handler = receiver
    subscription, _ = _subscribe(url)
    key = create_key(cached_adapters().items, TENANT, label="ci")
    _consume(_job_event()["Records"])
    _consume(queue_messages(cloud))
    (original,) = WebhookService(cached_adapters().items).deliveries(TENANT, subscription.id)

    response = _api("POST", f"/v1/webhooks/{subscription.id}/deliveries/{original.id}/replay", key)

    assert response["statusCode"] == 202, response
    replay = json.loads(response["body"])
    assert (replay["replay_of"], replay["state"]) == (original.id, "pending")
    (wake_up,) = queue_messages(cloud)
    assert json.loads(wake_up["body"]) == {"delivery_id": replay["id"]}
    _consume([wake_up])
    assert len(handler.received) == 2
    assert handler.received[0][1] == handler.received[1][1]
    listed = json.loads(_api("GET", f"/v1/webhooks/{subscription.id}/deliveries", key)["body"])
    assert {d["id"]: d["state"] for d in listed["items"]} == {
        original.id: "delivered",
        replay["id"]: "delivered",
    }


@pytest.mark.parametrize("event_type", ["render.progress", "render.failed"])
def test_given_a_subscription_to_other_events_when_an_event_arrives_then_nothing_is_stored(
    cloud: FakeCloud, event_type: str
) -> None:
    _subscribe("https://hooks.example.com/a", [event_type])

    _consume(_job_event()["Records"])  # render.completed

    assert find_items(cached_adapters().items, DELIVERY_KIND, "state", "pending") == []
    assert queue_messages(cloud) == []
