"""Webhook subscriptions and delivery: the ``EventSink`` the job repository publishes to.

Each event becomes one delivery item per subscribed endpoint, stored in the ``ItemStore`` with its
own retry schedule, so a restart loses nothing: the dispatcher thread picks up whatever is due.
Failed attempts back off exponentially with jitter for at least a day; every attempt is logged on
the delivery, and a delivery can be replayed (a new delivery with the same event body).
"""

from __future__ import annotations

import json
import random
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from estudio.constants import RECORD_TTL_DAYS
from estudio.errors import ConcurrentUpdate, InvalidOptions, InvalidWebhookUrl, NotFound
from estudio.observability import logger
from estudio.ports import Item, ItemStore
from estudio.webhooks.signing import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    new_secret,
    sign,
)
from estudio.webhooks.ssrf import check_webhook_url, resolve_target
from estudio.webhooks.transport import pinned_client

EventType = Literal[
    "render.queued",
    "render.started",
    "render.progress",
    "render.completed",
    "render.failed",
    "deck.parsed",
]
EVENT_TYPES: tuple[str, ...] = (
    "render.queued",
    "render.started",
    "render.progress",
    "render.completed",
    "render.failed",
    "deck.parsed",
)
SUBSCRIPTION_KIND = "webhook"
DELIVERY_KIND = "webhook_delivery"
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
MAX_LOGGED_ATTEMPTS = 30


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; retries go on until ``give_up_after_s`` (≥ 24 h)."""

    base_s: float = 15.0
    factor: float = 2.0
    cap_s: float = 3 * 3600.0
    give_up_after_s: float = 25 * 3600.0
    lease_s: float = 120.0  # a claimed delivery is due again after this if its sender died

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based): half fixed, half jitter."""
        ceiling = min(self.cap_s, self.base_s * self.factor ** max(attempt - 1, 0))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)

    def schedule(self, rng: random.Random) -> list[float]:
        """Offsets (seconds after the first attempt) of every attempt a dead endpoint receives."""
        offsets = [0.0]
        while True:
            nxt = offsets[-1] + self.delay(len(offsets), rng)
            if nxt > self.give_up_after_s:
                return offsets
            offsets.append(nxt)


@dataclass
class AttemptResult:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


Sender = Callable[[str, bytes, Mapping[str, str]], AttemptResult]


def find_items(items: ItemStore, kind: str, field_name: str, value: str) -> list[Item]:
    """``ItemStore.find`` with its result typed (the port's annotation confuses mypy)."""
    found: Any = items.find(kind, field_name, value)
    return list(found)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


@dataclass
class WebhookService:
    """Subscriptions, the event sink, and the delivery loop (``deliver_due`` or the thread)."""

    items: ItemStore
    allow_private: bool = False
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_s: float = 10.0
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    sender: Sender | None = None
    poll_s: float = 1.0
    record_ttl_s: int | None = RECORD_TTL_DAYS * 86400  # a delivery's record then expires
    max_concurrent: int = 16  # deliveries in flight at once, all tenants together
    per_tenant: int = 4  # in flight for one tenant: a slow receiver holds at most these
    per_endpoint: int = 1  # in flight for one subscription: its events arrive in order
    verify: ssl.SSLContext | bool = True  # TLS verification of receivers (a CA for tests)
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _pool: ThreadPoolExecutor | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _busy: dict[str, int] = field(default_factory=dict, init=False)  # tenant -> in flight
    _busy_endpoints: dict[str, int] = field(default_factory=dict, init=False)
    _queued: set[str] = field(default_factory=set, init=False)  # delivery ids in flight

    # --- subscriptions ---------------------------------------------------------------------------
    def subscribe(
        self, tenant: str, url: str, events: Sequence[str], description: str | None = None
    ) -> tuple[Item, str]:
        """Store a subscription; returns it and its signing secret (shown to the caller once)."""
        check_webhook_url(url, self.allow_private)
        unknown = sorted(set(events) - set(EVENT_TYPES))
        if unknown or not events:
            raise InvalidOptions(f"unknown or missing event types: {unknown}")
        secret = new_secret()
        data = {
            "url": url,
            "events": sorted(set(events)),
            "description": description,
            "secret": secret,
        }
        item = self.items.create(SUBSCRIPTION_KIND, "wh_" + secrets.token_hex(10), tenant, data)
        logger.info("webhook subscribed", webhook_id=item.id, tenant=tenant, events=data["events"])
        return item, secret

    def subscription(self, tenant: str, subscription_id: str) -> Item:
        item = self.items.get(SUBSCRIPTION_KIND, subscription_id)
        if item.tenant != tenant:
            raise NotFound(f"webhook {subscription_id} not found")
        return item

    def unsubscribe(self, tenant: str, subscription_id: str) -> None:
        self.subscription(tenant, subscription_id)
        self.items.delete(SUBSCRIPTION_KIND, subscription_id)

    def _subscriptions(self, tenant: str) -> list[Item]:
        found: list[Item] = []
        cursor: str | None = None
        while True:
            page, cursor = self.items.list(SUBSCRIPTION_KIND, tenant, limit=100, cursor=cursor)
            found += page
            if cursor is None:
                return found

    def deliveries(self, tenant: str, subscription_id: str) -> list[Item]:
        """The delivery log of one subscription, newest first."""
        self.subscription(tenant, subscription_id)
        found = find_items(self.items, DELIVERY_KIND, "subscription_id", subscription_id)
        return sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)

    def delivery(self, tenant: str, subscription_id: str, delivery_id: str) -> Item:
        self.subscription(tenant, subscription_id)
        item = self.items.get(DELIVERY_KIND, delivery_id)
        if item.tenant != tenant or item.data.get("subscription_id") != subscription_id:
            raise NotFound(f"delivery {delivery_id} not found")
        return item

    # --- events ----------------------------------------------------------------------------------
    def publish(self, event_type: str, tenant: str, data: Mapping[str, Any]) -> None:
        """``EventSink``: queue one delivery per subscription of ``tenant`` to ``event_type``."""
        if event_type not in EVENT_TYPES:
            raise InvalidOptions(f"unknown event type {event_type!r}")
        targets = [s for s in self._subscriptions(tenant) if event_type in s.data.get("events", [])]
        if not targets:
            return
        now = self.clock()
        event_id = "evt_" + secrets.token_hex(12)
        body = json.dumps(
            {"id": event_id, "type": event_type, "created_at": _iso(now), "data": dict(data)},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        for subscription in targets:
            self._queue(tenant, subscription.id, event_id, event_type, body, now)
        self._wake.set()

    def _queue(
        self,
        tenant: str,
        subscription_id: str,
        event_id: str,
        event_type: str,
        body: str,
        now: float,
        replay_of: str | None = None,
    ) -> Item:
        data = {
            "subscription_id": subscription_id,
            "event_id": event_id,
            "event_type": event_type,
            "body": body,
            "state": PENDING,
            "attempts": 0,
            "first_queued_at": now,
            "next_attempt_at": now,
            "last_status": None,
            "last_error": None,
            "log": [],
            "replay_of": replay_of,
        }
        return self.items.create(
            DELIVERY_KIND, "dlv_" + secrets.token_hex(10), tenant, data, ttl_s=self.record_ttl_s
        )

    def replay(self, tenant: str, subscription_id: str, delivery_id: str) -> Item:
        """Send a past delivery's event again, as a new delivery with a fresh schedule."""
        original = self.delivery(tenant, subscription_id, delivery_id)
        item = self._queue(
            tenant,
            subscription_id,
            original.data["event_id"],
            original.data["event_type"],
            original.data["body"],
            self.clock(),
            replay_of=delivery_id,
        )
        self._wake.set()
        return item

    # --- delivery --------------------------------------------------------------------------------
    def deliver_due(self, limit: int = 100, wait: bool = True) -> int:
        """Attempt every delivery whose time has come, concurrently: one endpoint's in order
        (``per_endpoint``), at most ``per_tenant`` of one tenant and ``max_concurrent`` in all,
        so a slow receiver delays only its own tenant. With ``wait``, rounds go on until nothing
        due is left (held-back ones included) and the count attempted is returned; without (the
        dispatcher thread), one round is handed to the senders and their number returned."""
        if not wait:
            return len(self._dispatch(limit))
        attempted = 0
        for _ in range(limit):
            futures = self._dispatch(limit)
            if not futures:
                return attempted
            attempted += sum(1 for future in futures if future.result())
        return attempted

    def _dispatch(self, limit: int) -> list[Future[bool]]:
        """Hand what is due to the senders, within the limits; returns their futures."""
        now = self.clock()
        due = [
            item
            for item in find_items(self.items, DELIVERY_KIND, "state", PENDING)
            if float(item.data.get("next_attempt_at", 0)) <= now
        ]
        due.sort(key=lambda i: float(i.data.get("next_attempt_at", 0)))
        futures: list[Future[bool]] = []
        for item in due[:limit]:
            if self._stop.is_set():
                break
            with self._lock:
                busy = sum(self._busy.values())
                if item.id in self._queued or busy >= self.max_concurrent:
                    continue
                endpoint = str(item.data.get("subscription_id"))
                if self._busy.get(item.tenant, 0) >= self.per_tenant:
                    continue  # this tenant is at its limit; the others go on
                if self._busy_endpoints.get(endpoint, 0) >= self.per_endpoint:
                    continue  # one at a time per endpoint, oldest first: order is kept
                self._queued.add(item.id)
                self._busy[item.tenant] = self._busy.get(item.tenant, 0) + 1
                self._busy_endpoints[endpoint] = self._busy_endpoints.get(endpoint, 0) + 1
            futures.append(self._executor().submit(self._attempt_and_release, item))
        return futures

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.max_concurrent, thread_name_prefix="webhook-send"
                )
            return self._pool

    def _attempt_and_release(self, item: Item) -> bool:
        try:
            return self._attempt(item)
        except Exception as error:  # the schedule is persisted: the lease brings it back
            logger.exception(
                "webhook attempt error", delivery_id=item.id, error=type(error).__name__
            )
            return False
        finally:
            endpoint = str(item.data.get("subscription_id"))
            with self._lock:
                self._queued.discard(item.id)
                for counts, name in ((self._busy, item.tenant), (self._busy_endpoints, endpoint)):
                    counts[name] -= 1
                    if not counts[name]:
                        del counts[name]
            self._wake.set()  # a slot is free: anything held back by the limits can go

    def next_due_in(self) -> float | None:
        pending = find_items(self.items, DELIVERY_KIND, "state", PENDING)
        if not pending:
            return None
        soonest = min(float(i.data.get("next_attempt_at", 0)) for i in pending)
        return max(0.0, soonest - self.clock())

    def _attempt(self, item: Item) -> bool:
        now = self.clock()
        # Claim it: another dispatcher (or a crash mid-send) cannot double-send within the lease.
        try:
            claimed = self.items.update(
                DELIVERY_KIND,
                item.id,
                {"next_attempt_at": now + self.policy.lease_s},
                expect_version=item.version,
            )
        except (ConcurrentUpdate, NotFound):
            return False
        data = claimed.data
        try:
            subscription = self.items.get(SUBSCRIPTION_KIND, data["subscription_id"])
        except NotFound:
            self.items.update(
                DELIVERY_KIND, item.id, {"state": FAILED, "last_error": "subscription deleted"}
            )
            return False
        body = data["body"].encode()
        url = subscription.data["url"]
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Estudio-Webhooks/1",
            SIGNATURE_HEADER: sign(subscription.data["secret"], body, int(now)),
            EVENT_ID_HEADER: data["event_id"],
            EVENT_TYPE_HEADER: data["event_type"],
        }
        try:  # resolved once, here; the connection goes to this checked address
            target = resolve_target(url, self.allow_private)
        except InvalidWebhookUrl as error:
            result = AttemptResult(False, None, error.code, 0)
            permanent = True
        else:
            if self.sender is not None:
                result = self.sender(url, body, headers)
            else:
                result = self._send(url, body, headers, target.address)
            permanent = False
        attempts = int(data.get("attempts", 0)) + 1
        entry = {
            "at": _iso(now),
            "status_code": result.status_code,
            "error": result.error,
            "duration_ms": result.duration_ms,
        }
        log = [*data.get("log", []), entry][-MAX_LOGGED_ATTEMPTS:]
        changes: dict[str, Any] = {
            "attempts": attempts,
            "log": log,
            "last_status": result.status_code,
            "last_error": result.error,
        }
        if result.ok:
            changes["state"] = DELIVERED
        else:
            next_at = now + self.policy.delay(attempts, self.rng)
            expired = next_at - float(data["first_queued_at"]) > self.policy.give_up_after_s
            if permanent or expired:
                changes["state"] = FAILED
            else:
                changes["next_attempt_at"] = next_at
        self.items.update(DELIVERY_KIND, item.id, changes)
        logger.info(
            "webhook attempted",
            delivery_id=item.id,
            webhook_id=subscription.id,
            event_type=data["event_type"],
            status_code=result.status_code,
            attempt=attempts,
            state=changes.get("state", PENDING),
        )
        return True

    def _send(
        self, url: str, body: bytes, headers: Mapping[str, str], address: str
    ) -> AttemptResult:
        started = time.perf_counter()
        try:
            with pinned_client(address, self.timeout_s, self.verify) as client:
                response = client.post(url, content=body, headers=dict(headers))
        except httpx.HTTPError as error:
            spent = int((time.perf_counter() - started) * 1000)
            return AttemptResult(False, None, type(error).__name__, spent)
        spent = int((time.perf_counter() - started) * 1000)
        ok = 200 <= response.status_code < 300
        return AttemptResult(ok, response.status_code, None if ok else "http_status", spent)

    # --- the background loop ---------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                handed = self.deliver_due(wait=False)
                wait = self.next_due_in()
                if wait == 0 and not handed:
                    wait = self.poll_s  # all held back by the limits: a freed slot wakes us
            except Exception as error:  # keep the dispatcher alive; the schedule is persisted
                logger.exception("webhook dispatcher error", error=type(error).__name__)
                wait = self.poll_s
            self._wake.wait(self.poll_s if wait is None else min(max(wait, 0.05), self.poll_s))
