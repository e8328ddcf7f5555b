"""The cloud dropbox behaves like the local drop folder: a sidecar's options, results written
to ``outgoing/name/``, a bad sidecar failing the job with ``invalid_options``, one render per
object version. Real event JSON, the real handlers, moto's S3, DynamoDB, SQS, Step Functions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.ingest import DropboxObject, dropbox_objects
from estudio.api.keys import create_key, tenant_exists
from estudio.jobs import JOB_KIND, JobStatus
from estudio.pipeline import keys
from tests.events.loader import FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import FakeCloud, queue_messages

DECK_KEY = "dropbox/acme/rh/Integração 2025.pptx"
OUTGOING = "dropbox/acme/rh/outgoing/Integração 2025/"
OUTPUT_NAMES = ("video.mp4", "subtitles.vtt", "subtitles.srt", "thumbnail.jpg", "manifest.json")


def _drop(
    cloud: FakeCloud, key: str = DECK_KEY, sidecar: bytes | None = None, known: bool = True
) -> dict[str, Any]:
    """Upload the sidecar (first, as documented), then the deck; the deck's EventBridge event.
    ``known``: the folder's tenant has a key (a tenant exists once one was created)."""
    tenant = DropboxObject(bucket=cloud.dropbox, key=key).tenant
    items = cached_adapters().items
    if known and not tenant_exists(items, tenant):
        create_key(items, tenant)
    s3 = cloud.client("s3")
    if sidecar is not None:
        s3.put_object(Bucket=cloud.dropbox, Key=key[: -len(".pptx")] + ".json", Body=sidecar)
    put = s3.put_object(Bucket=cloud.dropbox, Key=key, Body=b"PK\x03\x04deck")
    event = load_event("eventbridge_object_created_dropbox")
    event["detail"]["bucket"]["name"] = cloud.dropbox
    event["detail"]["object"]["key"] = key
    event["detail"]["object"]["version-id"] = put["VersionId"]
    return event


def _executions(cloud: FakeCloud) -> list[dict[str, Any]]:
    sfn = cloud.client("stepfunctions")
    found: list[dict[str, Any]] = sfn.list_executions(stateMachineArn=cloud.state_machine_arn)[
        "executions"
    ]
    return found


def _consume_queue(cloud: FakeCloud) -> dict[str, Any]:
    records = queue_messages(cloud)
    assert records, "the events queue is empty"
    result: dict[str, Any] = load_handler("webhooks").handler(
        {"Records": records}, FakeLambdaContext()
    )
    return result


def _outgoing(cloud: FakeCloud) -> dict[str, bytes]:
    s3 = cloud.client("s3")
    listed = s3.list_objects_v2(Bucket=cloud.dropbox, Prefix=OUTGOING).get("Contents", [])
    return {
        o["Key"][len(OUTGOING) :]: s3.get_object(Bucket=cloud.dropbox, Key=o["Key"])["Body"].read()
        for o in listed
    }


@pytest.mark.parametrize(
    ("key", "is_deck"),
    [
        ("dropbox/acme/deck.pptx", True),
        ("dropbox/acme/a/b/Deck.PPTX", True),
        ("dropbox/acme/deck.json", False),
        ("dropbox/acme/outgoing/deck/deck.pptx", False),
        ("dropbox/acme/a/outgoing/x.pptx", False),
        ("dropbox/acme/~$deck.pptx", False),
        ("dropbox/acme/.hidden/deck.pptx", False),
        ("dropbox/acme/.pptx", False),
        ("dropbox/deck.pptx", False),
    ],
)
def test_given_a_dropbox_key_then_only_visible_decks_outside_outgoing_start_renders(
    key: str, is_deck: bool
) -> None:
    assert DropboxObject(bucket="b", key=key).is_deck is is_deck


def test_given_a_deck_key_then_its_sidecar_and_outgoing_folder_sit_beside_it() -> None:
    obj = DropboxObject(bucket="b", key="dropbox/acme/a/Deck.PPTX")
    assert obj.sidecar_key == "dropbox/acme/a/Deck.json"
    assert obj.outgoing_prefix == "dropbox/acme/a/outgoing/Deck/"


def test_given_a_sidecar_when_the_deck_arrives_then_the_render_uses_its_options(
    cloud: FakeCloud,
) -> None:
    sidecar = json.dumps({"voice": "espeak:pt-br", "preset": "720p", "subtitles": "burn"})
    event = _drop(cloud, sidecar=sidecar.encode())

    result = load_handler("ingest").handler(event, FakeLambdaContext())

    (started,) = result["jobs"]
    (execution,) = _executions(cloud)
    described = cloud.client("stepfunctions").describe_execution(
        executionArn=execution["executionArn"]
    )
    options = json.loads(described["input"])["options"]
    assert (options["voice"], options["preset"], options["subtitles"]) == (
        "espeak:pt-br",
        "720p",
        "burn",
    )
    adapters = cached_adapters()
    job = adapters.jobs.get(started["job_id"])
    assert (job.options.preset, job.source_name) == ("720p", "Integração 2025.pptx")
    origin = adapters.items.get(JOB_KIND, job.id).data["dropbox_origin"]
    assert origin["bucket"] == cloud.dropbox
    assert origin["key"] == DECK_KEY
    assert origin["outgoing"] == OUTGOING
    assert origin["delivered"] is None


def test_given_no_sidecar_when_the_deck_arrives_then_the_defaults_apply_even_if_one_lands_later(
    cloud: FakeCloud,
) -> None:
    event = _drop(cloud)
    ingest = load_handler("ingest")
    first = ingest.handler(event, FakeLambdaContext())
    cloud.client("s3").put_object(  # too late: the deck's event was handled already
        Bucket=cloud.dropbox,
        Key=DECK_KEY.replace(".pptx", ".json"),
        Body=b'{"preset": "vertical"}',
    )

    again = ingest.handler(event, FakeLambdaContext())

    assert first == again
    job = cached_adapters().jobs.get(first["jobs"][0]["job_id"])
    assert job.options.preset == "1080p"
    assert len(_executions(cloud)) == 1


@pytest.mark.parametrize(
    "sidecar",
    [b'{"preset": "8k"}', b'{"voice": "x", "colour": "blue"}', b"{not json", b'["720p"]'],
)
def test_given_a_bad_sidecar_when_the_deck_arrives_then_the_job_fails_with_invalid_options(
    cloud: FakeCloud, sidecar: bytes
) -> None:
    event = _drop(cloud, sidecar=sidecar)
    ingest = load_handler("ingest")

    first = ingest.handler(event, FakeLambdaContext())
    ingest.handler(json.loads(json.dumps(event)), FakeLambdaContext())  # delivered twice

    (refused,) = first["jobs"]
    assert refused["execution_arn"] is None
    assert _executions(cloud) == []
    adapters = cached_adapters()
    job = adapters.jobs.get(refused["job_id"])
    assert (job.status, job.error_code) == (JobStatus.FAILED, "invalid_options")
    assert "Integração 2025.json" in (job.error_message or "")
    assert not adapters.blobs.exists(keys.deck(job.id))  # nothing was copied in
    bodies = [json.loads(r["body"]) for r in queue_messages(cloud)]
    assert [b["type"] for b in bodies].count("render.failed") == 1


def test_given_a_refused_deck_when_its_events_are_consumed_then_error_json_lands_in_outgoing(
    cloud: FakeCloud,
) -> None:
    load_handler("ingest").handler(_drop(cloud, sidecar=b'{"preset": "8k"}'), FakeLambdaContext())

    assert _consume_queue(cloud) == {"batchItemFailures": []}

    files = _outgoing(cloud)
    assert list(files) == ["error.json"]
    error = json.loads(files["error.json"])
    assert error["code"] == "invalid_options"
    assert error["render_id"].startswith("dbx-")


def test_given_a_folder_no_key_was_created_for_when_a_deck_lands_then_only_error_json_says_so(
    cloud: FakeCloud,
) -> None:
    result = load_handler("ingest").handler(_drop(cloud, known=False), FakeLambdaContext())

    assert result["jobs"][0]["job_id"] is None
    assert _executions(cloud) == []
    assert cached_adapters().items.list(JOB_KIND, "acme")[0] == []
    files = _outgoing(cloud)
    assert list(files) == ["error.json"]
    error = json.loads(files["error.json"])
    assert error["code"] == "unknown_tenant"
    assert "'acme'" in error["message"]


def test_given_a_folder_in_capitals_when_a_deck_lands_then_it_renders_for_the_lowercase_tenant(
    cloud: FakeCloud,
) -> None:
    create_key(cached_adapters().items, "acme")
    key = "dropbox/ACME/rh/aula.pptx"

    result = load_handler("ingest").handler(_drop(cloud, key=key, known=False), FakeLambdaContext())

    (started,) = result["jobs"]
    job = cached_adapters().jobs.get(started["job_id"])
    assert job.tenant == "acme"
    assert len(_executions(cloud)) == 1
    origin = cached_adapters().items.get(JOB_KIND, job.id).data["dropbox_origin"]
    assert origin["outgoing"] == "dropbox/ACME/rh/outgoing/aula/"  # results beside the deck


def test_given_a_dropbox_job_that_succeeds_when_consumed_then_outputs_land_in_outgoing_once(
    cloud: FakeCloud,
) -> None:
    result = load_handler("ingest").handler(_drop(cloud), FakeLambdaContext())
    job_id = result["jobs"][0]["job_id"]
    queue_messages(cloud)  # render.queued: not the consumer's concern here
    adapters = cached_adapters()
    outputs = {name: keys.output(job_id, name) for name in OUTPUT_NAMES}
    for name, key in outputs.items():
        adapters.blobs.put_bytes(key, f"{name} of {job_id}".encode())
    adapters.jobs.succeed(job_id, outputs, 61.5)  # what the publish stage ends with
    completed = queue_messages(cloud)

    first = load_handler("webhooks").handler({"Records": completed}, FakeLambdaContext())
    again = load_handler("webhooks").handler({"Records": completed}, FakeLambdaContext())

    assert first == again == {"batchItemFailures": []}
    files = _outgoing(cloud)
    assert sorted(files) == sorted(OUTPUT_NAMES)
    assert files["video.mp4"] == f"video.mp4 of {job_id}".encode()
    versions = cloud.client("s3").list_object_versions(Bucket=cloud.dropbox, Prefix=OUTGOING)
    assert len(versions["Versions"]) == len(OUTPUT_NAMES)  # the repeat copied nothing
    origin = adapters.items.get(JOB_KIND, job_id).data["dropbox_origin"]
    assert origin["delivered"] == "delivered"


def test_given_results_written_to_outgoing_when_their_events_arrive_then_nothing_starts(
    cloud: FakeCloud,
) -> None:
    event = _drop(cloud, key=OUTGOING + "video.mp4")
    nested = dropbox_objects(_drop(cloud, key="dropbox/acme/rh/outgoing/x/deck.pptx"))[0]

    assert load_handler("ingest").handler(event, FakeLambdaContext()) == {"jobs": []}
    assert not nested.is_deck
    assert _executions(cloud) == []


def test_given_a_tenant_glossary_when_a_deck_is_dropped_then_the_render_carries_it(
    cloud: FakeCloud,
) -> None:
    from estudio.speech.glossary import TENANT_GLOSSARY_KIND

    adapters = cached_adapters()
    entries = [
        {
            "term": "CIPA",
            "spoken": "comissão interna",
            "ipa": None,
            "case_sensitive": False,
            "whole_word": True,
        }
    ]
    adapters.items.create(TENANT_GLOSSARY_KIND, "acme", "acme", {"entries": entries})

    load_handler("ingest").handler(_drop(cloud), FakeLambdaContext())

    (execution,) = _executions(cloud)
    described = cloud.client("stepfunctions").describe_execution(
        executionArn=execution["executionArn"]
    )
    assert json.loads(described["input"])["glossary"] == entries
