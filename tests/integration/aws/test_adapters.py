"""The AWS adapters against moto: same keys and errors as the local twins."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from estudio import constants as c
from estudio.adapters.aws import (
    DynamoItemStore,
    S3BlobStore,
    SqsEventSink,
    StepFunctionsOrchestrator,
)
from estudio.adapters.aws.context import s3_client
from estudio.errors import ConcurrentUpdate, Conflict, InvalidOptions, NotFound
from estudio.jobs import JobRepository
from estudio.models import RenderOptions
from tests.integration.aws.conftest import FakeCloud


@pytest.fixture
def blobs(cloud: FakeCloud) -> S3BlobStore:
    return S3BlobStore(
        s3_client(cloud.session), cloud.artifacts, routes=[(c.OUTPUT_KEY_PATTERN, cloud.outputs)]
    )


@pytest.fixture
def items(cloud: FakeCloud) -> DynamoItemStore:
    return DynamoItemStore(cloud.session.resource("dynamodb").Table(cloud.table))


# --- S3BlobStore ----------------------------------------------------------------------------
def test_given_bytes_when_put_then_get_returns_them_and_exists(blobs: S3BlobStore) -> None:
    blobs.put_bytes("jobs/j1/deck.json", b'{"a": 1}', "application/json")
    assert blobs.get_bytes("jobs/j1/deck.json") == b'{"a": 1}'
    assert blobs.exists("jobs/j1/deck.json")
    assert not blobs.exists("jobs/j1/other.json")


def test_given_missing_key_when_get_then_not_found(blobs: S3BlobStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        blobs.get_bytes("jobs/nope/deck.json")
    with pytest.raises(NotFound):
        blobs.get_file("jobs/nope/deck.json", tmp_path / "deck.json")
    assert not (tmp_path / "deck.json").exists()


def test_given_bad_key_when_put_then_invalid_options(blobs: S3BlobStore) -> None:
    for key in ("/abs", "a/../b", "a\\b", ""):
        with pytest.raises(InvalidOptions):
            blobs.put_bytes(key, b"x")


def test_given_output_key_when_put_then_it_lands_in_the_outputs_bucket(
    cloud: FakeCloud, blobs: S3BlobStore
) -> None:
    blobs.put_bytes("jobs/j1/out/video.mp4", b"mp4")
    blobs.put_bytes("jobs/j1/plan.json", b"{}")
    s3 = cloud.client("s3")
    assert s3.get_object(Bucket=cloud.outputs, Key="jobs/j1/out/video.mp4")["Body"].read() == b"mp4"
    assert "Contents" not in s3.list_objects_v2(Bucket=cloud.artifacts, Prefix="jobs/j1/out/")
    assert blobs.list("jobs/j1/") == ["jobs/j1/out/video.mp4", "jobs/j1/plan.json"]


def test_given_segment_key_when_put_file_then_it_is_tagged_intermediate(
    cloud: FakeCloud, blobs: S3BlobStore, tmp_path: Path
) -> None:
    source = tmp_path / "seg.mp4"
    source.write_bytes(b"segment")
    blobs.put_file("jobs/j1/segments/0000.mp4", source, "video/mp4")
    blobs.put_bytes("jobs/j1/deck.json", b"{}")
    s3 = cloud.client("s3")
    tags = s3.get_object_tagging(Bucket=cloud.artifacts, Key="jobs/j1/segments/0000.mp4")
    assert tags["TagSet"] == [{"Key": c.INTERMEDIATE_TAG_KEY, "Value": c.INTERMEDIATE_TAG_VALUE}]
    kept = s3.get_object_tagging(Bucket=cloud.artifacts, Key="jobs/j1/deck.json")
    assert kept["TagSet"] == []
    assert (
        blobs.get_file("jobs/j1/segments/0000.mp4", tmp_path / "back.mp4").read_bytes()
        == b"segment"
    )


def test_given_key_when_delete_then_gone_and_deleting_again_is_fine(blobs: S3BlobStore) -> None:
    blobs.put_bytes("cache/x.bin", b"1")
    blobs.delete("cache/x.bin")
    blobs.delete("cache/x.bin")
    assert not blobs.exists("cache/x.bin")


def test_given_a_versioned_bucket_when_a_key_is_deleted_then_no_version_of_it_stays(
    cloud: FakeCloud, blobs: S3BlobStore
) -> None:
    s3 = cloud.client("s3")
    s3.put_bucket_versioning(Bucket=cloud.artifacts, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"first", b"second", b"third"):
        blobs.put_bytes("projects/p1/deck.pptx", body)
    blobs.put_bytes("projects/p1/deck.pptx.bak", b"a longer key with the same start")

    blobs.delete("projects/p1/deck.pptx")

    listed = s3.list_object_versions(Bucket=cloud.artifacts, Prefix="projects/p1/")
    left = [v["Key"] for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]]
    assert left == ["projects/p1/deck.pptx.bak"]


def test_given_key_when_presigning_then_urls_name_bucket_key_and_filename(
    cloud: FakeCloud, blobs: S3BlobStore
) -> None:
    down = blobs.download_url("jobs/j1/out/video.mp4", filename="Aula 1.mp4")
    up = blobs.upload_url("jobs/j1/input/deck.pptx", expires_s=300)
    assert cloud.outputs in down and "jobs/j1/out/video.mp4" in down
    assert "response-content-disposition" in down and "Aula%25201.mp4" in down
    assert cloud.artifacts in up and "X-Amz-Expires=300" in up


# --- DynamoItemStore ------------------------------------------------------------------------
def test_given_item_when_created_twice_then_conflict(items: DynamoItemStore) -> None:
    created = items.create("job", "j1", "acme", {"status": "queued", "progress": 0.5})
    with pytest.raises(Conflict):
        items.create("job", "j1", "acme", {})
    got = items.get("job", "j1")
    assert got.data == {"status": "queued", "progress": 0.5}
    assert (got.version, got.tenant, got.created_at) == (1, "acme", created.created_at)


def test_given_missing_item_when_get_or_update_then_not_found(items: DynamoItemStore) -> None:
    with pytest.raises(NotFound):
        items.get("job", "ghost")
    with pytest.raises(NotFound):
        items.update("job", "ghost", {"a": 1})


def test_given_stale_version_when_update_then_concurrent_update(items: DynamoItemStore) -> None:
    items.create("job", "j1", "acme", {"a": 1})
    updated = items.update("job", "j1", {"b": 2}, expect_version=1)
    assert updated.version == 2 and updated.data == {"a": 1, "b": 2}
    with pytest.raises(ConcurrentUpdate):
        items.update("job", "j1", {"c": 3}, expect_version=1)
    assert items.get("job", "j1").data == {"a": 1, "b": 2}


@pytest.fixture
def atomic_moto_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies a conditional write atomically and a read sees a whole item; moto checks
    and writes without a lock, and applies an update's SET actions one by one in place, so two
    threads can both pass the same condition, or a reader can see the new version with the old
    data. Serialize its writes and reads like the service."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "get_item", "query"):
        original = getattr(DynamoDBBackend, name)

        def locked(
            self: object, *args: object, _original: object = original, **kwargs: object
        ) -> object:
            with lock:
                return _original(self, *args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(DynamoDBBackend, name, locked)


@pytest.mark.usefixtures("atomic_moto_writes")
def test_given_many_threads_when_jobs_record_items_then_none_is_lost(
    items: DynamoItemStore,
) -> None:
    jobs = JobRepository(items)
    jobs.create("job-0001", "acme", "jobs/job-0001/input/deck.pptx", "deck.pptx", RenderOptions())
    total = 12

    errors: list[BaseException] = []

    def done(index: int) -> None:
        try:
            jobs.item_done("job-0001", "speak", index, total)
        except BaseException as error:  # surfaced below: a thread's error is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=done, args=(i,)) for i in range(total)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    job = jobs.get("job-0001")
    assert job.items_done["speak"] == list(range(total))
    assert job.version >= total + 1


def test_given_expired_item_when_read_then_hidden_and_recreatable(
    items: DynamoItemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    items.create("upload", "u1", "acme", {"k": "v"}, ttl_s=60)
    later = time.time() + 120
    monkeypatch.setattr("estudio.adapters.aws.items.time.time", lambda: later)
    with pytest.raises(NotFound):
        items.get("upload", "u1")
    again = items.create("upload", "u1", "acme", {"k": "new"})
    assert again.data == {"k": "new"}


def test_given_many_items_when_listing_then_newest_first_with_cursor(
    items: DynamoItemStore,
) -> None:
    for n in range(5):
        items.create("job", f"j{n}", "acme", {"n": n})
    items.create("job", "other", "globex", {"n": 99})
    first, cursor = items.list("job", "acme", limit=2)
    second, cursor2 = items.list("job", "acme", limit=2, cursor=cursor)
    third, cursor3 = items.list("job", "acme", limit=2, cursor=cursor2)
    ids = [i.id for i in first + second + third]
    assert ids == ["j4", "j3", "j2", "j1", "j0"]
    assert cursor3 is None
    with pytest.raises(InvalidOptions):
        items.list("job", "acme", cursor="%%%")


def test_given_api_keys_and_webhooks_when_find_then_exact_matches(
    items: DynamoItemStore,
) -> None:
    items.create(c.API_KEY_KIND, "k1", "acme", {c.API_KEY_HASH_FIELD: "aa", "name": "ci"})
    items.create(c.API_KEY_KIND, "k2", "globex", {c.API_KEY_HASH_FIELD: "bb", "name": "ci"})
    items.create("webhook", "w1", "acme", {"url": "https://a.example/hook"})
    items.create("webhook", "w2", "acme", {"url": "https://b.example/hook"})
    assert [i.id for i in items.find(c.API_KEY_KIND, c.API_KEY_HASH_FIELD, "bb")] == ["k2"]
    assert sorted(i.id for i in items.find(c.API_KEY_KIND, "name", "ci")) == ["k1", "k2"]
    assert [i.id for i in items.find("webhook", "url", "https://b.example/hook")] == ["w2"]
    assert items.find("webhook", "url", "https://none.example") == []
    items.update(c.API_KEY_KIND, "k1", {c.API_KEY_HASH_FIELD: "cc"})
    assert items.find(c.API_KEY_KIND, c.API_KEY_HASH_FIELD, "aa") == []
    assert [i.id for i in items.find(c.API_KEY_KIND, c.API_KEY_HASH_FIELD, "cc")] == ["k1"]


# --- Step Functions, SQS --------------------------------------------------------------------
def test_given_same_job_when_started_twice_then_one_execution(cloud: FakeCloud) -> None:
    sfn = cloud.client("stepfunctions")
    orchestrator = StepFunctionsOrchestrator(sfn, cloud.state_machine_arn)
    first = orchestrator.start("job-0001", {"job_id": "job-0001", "n": 1})
    second = orchestrator.start("job-0001", {"job_id": "job-0001", "n": 2})
    assert first == second
    executions = sfn.list_executions(stateMachineArn=cloud.state_machine_arn)["executions"]
    assert [e["name"] for e in executions] == ["job-0001"]


def test_given_unknown_job_when_stopped_then_not_found(cloud: FakeCloud) -> None:
    orchestrator = StepFunctionsOrchestrator(cloud.client("stepfunctions"), cloud.state_machine_arn)
    with pytest.raises(NotFound):
        orchestrator.stop("job-never", "user asked")


def test_given_event_when_published_then_queue_holds_the_envelope(cloud: FakeCloud) -> None:
    sqs = cloud.client("sqs")
    SqsEventSink(sqs, cloud.queue_url).publish("render.progress", "acme", {"progress": 40})
    message = sqs.receive_message(QueueUrl=cloud.queue_url, MessageAttributeNames=["All"])
    body = json.loads(message["Messages"][0]["Body"])
    assert (body["type"], body["tenant"], body["data"]) == (
        "render.progress",
        "acme",
        {"progress": 40},
    )
    assert message["Messages"][0]["MessageAttributes"]["type"]["StringValue"] == "render.progress"
