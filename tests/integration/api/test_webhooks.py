"""Webhooks end to end inside one process: subscribe, real HTTP delivery, signature, retries,
the persisted schedule, the delivery log, replay, and the documented verification snippet."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

from estudio.adapters.local import SqliteItemStore
from estudio.webhooks import RetryPolicy, WebhookService, verify
from tests.integration.api.conftest import Env, Receiver, new_project_with_deck

DOCS = Path(__file__).parents[3] / "docs" / "webhooks.md"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_given_a_loopback_url_when_private_webhooks_are_not_allowed_then_422(
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient

    from estudio.adapters.local import FolderBlobStore
    from estudio.api import create_app, create_key

    items = SqliteItemStore(tmp_path / "s.sqlite3")
    app = create_app(items, FolderBlobStore(tmp_path / "b"))
    client = TestClient(app, headers={"Authorization": f"Bearer {create_key(items, 'acme')}"})
    for url in ("http://127.0.0.1:8080/x", "http://169.254.169.254/latest", "http://10.1.2.3/"):
        response = client.post("/v1/webhooks", json={"url": url, "events": ["render.queued"]})
        assert response.status_code == 422, url
        assert response.json()["code"] == "invalid_webhook_url"


def test_given_a_subscription_when_a_deck_is_parsed_then_a_signed_event_arrives(
    env: Env, deck_bytes: bytes, receiver: Receiver
) -> None:
    client = env.client("acme")
    created = client.post(
        "/v1/webhooks", json={"url": receiver.url, "events": ["deck.parsed", "render.queued"]}
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert "secret" not in client.get(f"/v1/webhooks/{created.json()['id']}").json()
    project = new_project_with_deck(client, deck_bytes)
    client.post(f"/v1/projects/{project['id']}/renders", json={})
    env.app.state.services.webhooks.deliver_due()
    assert [json.loads(r.body)["type"] for r in receiver.received] == [
        "deck.parsed",
        "render.queued",
    ]
    first = receiver.received[0]
    assert verify(secret, first.body, first.headers["Estudio-Signature"])
    assert not verify("whsec_wrong", first.body, first.headers["Estudio-Signature"])
    event = json.loads(first.body)
    assert event["id"] == first.headers["Estudio-Event-Id"]
    assert event["data"]["project_id"] == project["id"] and event["data"]["scene_count"] == 2


def test_given_unsubscribed_types_when_events_happen_then_nothing_is_sent(
    env: Env, deck_bytes: bytes, receiver: Receiver
) -> None:
    client = env.client("acme")
    client.post("/v1/webhooks", json={"url": receiver.url, "events": ["render.failed"]})
    new_project_with_deck(client, deck_bytes)
    assert env.app.state.services.webhooks.deliver_due() == 0
    assert receiver.received == []


def test_given_a_failing_endpoint_when_retried_then_backoff_persists_across_a_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    items = SqliteItemStore(tmp_path / "s.sqlite3")
    clock = Clock(1_000_000.0)
    service = WebhookService(items, allow_private=True, clock=clock, rng=random.Random(1))
    subscription, secret = service.subscribe("acme", receiver.url, ["render.completed"])
    receiver.statuses = [500, 503]
    service.publish("render.completed", "acme", {"render_id": "rnd_1"})
    assert service.deliver_due() == 1  # 500
    assert service.deliver_due() == 0  # not due yet: backing off
    clock.now += 3600
    # A restart: a new service over the same store finds the pending delivery and retries it.
    restarted = WebhookService(items, allow_private=True, clock=clock, rng=random.Random(2))
    assert restarted.deliver_due() == 1  # 503
    clock.now += 3600
    assert restarted.deliver_due() == 1  # 200
    [delivery] = restarted.deliveries("acme", subscription.id)
    assert delivery.data["state"] == "delivered" and delivery.data["attempts"] == 3
    assert [a["status_code"] for a in delivery.data["log"]] == [500, 503, 200]
    bodies = {r.body for r in receiver.received}
    assert len(bodies) == 1  # the same event body each time, freshly signed
    assert all(
        verify(
            secret, r.body, r.headers["Estudio-Signature"], now=clock.now - 7200, tolerance_s=7200
        )
        for r in receiver.received
    )


def test_given_a_dead_endpoint_when_time_passes_then_it_is_retried_for_a_day_then_failed(
    tmp_path: Path,
) -> None:
    items = SqliteItemStore(tmp_path / "s.sqlite3")
    clock = Clock(5_000_000.0)
    start = clock.now
    service = WebhookService(items, allow_private=True, clock=clock, rng=random.Random(3))
    service.subscribe("acme", "http://127.0.0.1:9/closed", ["render.failed"])
    service.publish("render.failed", "acme", {"render_id": "rnd_2"})
    attempts_at: list[float] = []
    while clock.now - start < 30 * 3600:
        if service.deliver_due():
            attempts_at.append(clock.now)
        clock.now += 60
    [delivery] = items.find("webhook_delivery", "state", "failed")
    assert delivery.data["attempts"] == len(attempts_at) >= 10
    assert attempts_at[-1] - start >= 24 * 3600
    gaps = [b - a for a, b in itertools.pairwise(attempts_at)]
    assert gaps[3] > gaps[0]  # it backs off


def test_given_a_delivery_when_replayed_then_the_same_event_is_sent_again(
    env: Env, deck_bytes: bytes, receiver: Receiver
) -> None:
    client = env.client("acme")
    hook = client.post("/v1/webhooks", json={"url": receiver.url, "events": ["deck.parsed"]}).json()
    new_project_with_deck(client, deck_bytes)
    env.app.state.services.webhooks.deliver_due()
    log = client.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert [d["state"] for d in log] == ["delivered"] and log[0]["log"][0]["status_code"] == 200
    replay = client.post(f"/v1/webhooks/{hook['id']}/deliveries/{log[0]['id']}/replay")
    assert replay.status_code == 202 and replay.json()["replay_of"] == log[0]["id"]
    env.app.state.services.webhooks.deliver_due()
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body


def test_given_a_deleted_subscription_when_events_happen_then_nothing_is_sent(
    env: Env, deck_bytes: bytes, receiver: Receiver
) -> None:
    client = env.client("acme")
    hook = client.post("/v1/webhooks", json={"url": receiver.url, "events": ["deck.parsed"]}).json()
    assert client.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    assert client.get("/v1/webhooks").json()["items"] == []
    new_project_with_deck(client, deck_bytes)
    env.app.state.services.webhooks.deliver_due()
    assert receiver.received == []


def test_given_the_docs_python_snippet_when_run_on_a_real_delivery_then_it_verifies(
    env: Env, deck_bytes: bytes, receiver: Receiver
) -> None:
    snippet = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert snippet is not None
    namespace: dict[str, object] = {}
    exec(compile(snippet.group(1), str(DOCS), "exec"), namespace)
    verify_doc = namespace["verify_estudio_signature"]
    client = env.client("acme")
    secret = client.post(
        "/v1/webhooks", json={"url": receiver.url, "events": ["deck.parsed"]}
    ).json()["secret"]
    new_project_with_deck(client, deck_bytes)
    env.app.state.services.webhooks.deliver_due()
    [got] = receiver.received
    header = got.headers["Estudio-Signature"]
    assert verify_doc(secret, got.body, header) is True  # type: ignore[operator]
    assert verify_doc(secret, got.body + b" ", header) is False  # type: ignore[operator]
    assert verify_doc("whsec_other", got.body, header) is False  # type: ignore[operator]


def test_given_the_retry_policy_when_a_schedule_is_drawn_then_it_spans_at_least_a_day() -> None:
    offsets = RetryPolicy().schedule(random.Random(7))
    assert offsets[-1] >= 24 * 3600
    assert all(b > a for a, b in itertools.pairwise(offsets))
