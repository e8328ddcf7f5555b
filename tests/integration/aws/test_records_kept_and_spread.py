"""Records that expire and an index that spreads: the table's TTL attribute set by the item
writers (jobs, webhook deliveries), the kind-index partitions, on moto; the local store purges."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from estudio import constants as c
from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.items import DynamoItemStore
from estudio.adapters.aws.webhooks import cloud_webhooks
from estudio.adapters.local.items import SqliteItemStore
from estudio.jobs import JOB_KIND
from estudio.models import RenderOptions
from estudio.pipeline import keys
from estudio.webhooks.delivery import DELIVERY_KIND
from tests.integration.aws.conftest import FakeCloud

DAY_S = 86400


def _raw(cloud: FakeCloud, kind: str, id: str) -> dict[str, object]:
    table = cloud.session.resource("dynamodb").Table(cloud.table)
    item: dict[str, object] = table.get_item(Key={c.TABLE_PK: f"{kind}#{id}", c.TABLE_SK: "item"})[
        "Item"
    ]
    return item


def test_given_a_new_job_then_its_item_expires_after_the_record_days(cloud: FakeCloud) -> None:
    before = time.time()
    cached_adapters().jobs.create(
        "job-ttl-0001", "acme", keys.deck("job-ttl-0001"), "a.pptx", RenderOptions()
    )

    expires = int(str(_raw(cloud, JOB_KIND, "job-ttl-0001")[c.TABLE_TTL_ATTRIBUTE]))
    assert (
        before + c.RECORD_TTL_DAYS * DAY_S <= expires <= time.time() + c.RECORD_TTL_DAYS * DAY_S + 1
    )


def test_given_a_configured_record_ttl_then_jobs_and_deliveries_use_it(
    cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(c.ENV_RECORD_TTL_DAYS, "7")
    from estudio.adapters.aws import context

    context.get_cloud_settings.cache_clear()
    context.cached_adapters.cache_clear()
    adapters = cached_adapters()
    adapters.jobs.create(
        "job-ttl-0002", "acme", keys.deck("job-ttl-0002"), "a.pptx", RenderOptions()
    )
    service = cloud_webhooks(adapters)
    delivery = service._queue("acme", "wh_1", "evt_1", "render.failed", "{}", time.time())

    for kind, id in ((JOB_KIND, "job-ttl-0002"), (DELIVERY_KIND, delivery.id)):
        expires = int(str(_raw(cloud, kind, id)[c.TABLE_TTL_ATTRIBUTE]))
        assert abs(expires - (time.time() + 7 * DAY_S)) < 60, kind


def test_given_many_jobs_then_the_kind_index_spreads_them_and_find_still_sees_all(
    cloud: FakeCloud,
) -> None:
    items = DynamoItemStore(cloud.session.resource("dynamodb").Table(cloud.table))
    for n in range(40):
        items.create(JOB_KIND, f"job-{n:04d}", "acme", {"status": "running" if n % 2 else "queued"})

    partitions = {str(_raw(cloud, JOB_KIND, f"job-{n:04d}")[c.KIND_INDEX_PK]) for n in range(40)}
    assert all(p.startswith(f"{JOB_KIND}#") for p in partitions)
    assert len(partitions) >= 8  # 40 ids over 16 shards: never one constant partition
    running = items.find(JOB_KIND, "status", "running")
    assert sorted(i.id for i in running) == [f"job-{n:04d}" for n in range(1, 40, 2)]


def test_given_an_api_key_then_its_lookup_partition_comes_from_its_hash(cloud: FakeCloud) -> None:
    items = DynamoItemStore(cloud.session.resource("dynamodb").Table(cloud.table))
    items.create(c.API_KEY_KIND, "k1", "acme", {c.API_KEY_HASH_FIELD: "aa"})
    items.create(c.API_KEY_KIND, "k2", "acme", {c.API_KEY_HASH_FIELD: "bb"})

    raw = _raw(cloud, c.API_KEY_KIND, "k1")
    assert raw[c.KIND_INDEX_SK] == f"{c.API_KEY_HASH_FIELD}=aa"
    assert str(raw[c.KIND_INDEX_PK]).startswith(f"{c.API_KEY_KIND}#")
    assert [i.id for i in items.find(c.API_KEY_KIND, c.API_KEY_HASH_FIELD, "aa")] == ["k1"]


def test_given_expired_local_items_when_the_store_opens_then_they_are_purged(
    tmp_path: Path,
) -> None:
    db = tmp_path / "state.db"
    store = SqliteItemStore(db)
    store.create(JOB_KIND, "old", "local", {}, ttl_s=1)
    store.create(JOB_KIND, "new", "local", {}, ttl_s=3600)

    purged = store.purge_expired(now=time.time() + 10)

    assert purged == 1
    reopened = SqliteItemStore(db)
    assert [i.id for i in reopened.list(JOB_KIND, "local")[0]] == ["new"]
