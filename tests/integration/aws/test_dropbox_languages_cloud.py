"""A deck dropped in the cloud with ``"languages": ["pt-BR", "en"]`` in its sidecar (ADR 0017):
two executions of the one state machine, the English one linked to the first, its results
written to ``outgoing/name/en/``. Real event JSON, the real handlers, moto."""

from __future__ import annotations

import json

from estudio.adapters.aws.context import cached_adapters
from estudio.jobs import JOB_KIND
from estudio.pipeline import keys
from tests.events.loader import FakeLambdaContext, load_handler
from tests.integration.aws.conftest import FakeCloud, queue_messages
from tests.integration.aws.test_dropbox_cloud import OUTGOING, OUTPUT_NAMES, _drop, _outgoing


def test_given_a_sidecar_with_two_languages_when_dropped_then_english_lands_in_its_own_folder(
    cloud: FakeCloud,
) -> None:
    sidecar = json.dumps({"languages": ["pt-BR", "en"], "translate_slides": True}).encode()
    event = _drop(cloud, sidecar=sidecar)

    first = load_handler("ingest").handler(event, FakeLambdaContext())
    load_handler("ingest").handler(json.loads(json.dumps(event)), FakeLambdaContext())  # twice

    (started,) = first["jobs"]
    sfn = cloud.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=cloud.state_machine_arn)["executions"]
    described = [
        json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
        for e in executions
    ]
    inputs = {payload["job_id"]: payload["options"] for payload in described}
    english_id = f"{started['job_id']}-en"
    assert len(executions) == 2 and set(inputs) == {started["job_id"], english_id}
    assert inputs[started["job_id"]]["language"] == "pt-BR"
    assert inputs[english_id]["language"] == "en" and inputs[english_id]["translate_slides"]
    adapters = cached_adapters()
    assert adapters.jobs.get(started["job_id"]).children == {"en": english_id}
    english = adapters.items.get(JOB_KIND, english_id).data
    assert english["parent_id"] == started["job_id"]
    assert english["dropbox_origin"]["outgoing"] == OUTGOING + "en/"

    queued = [json.loads(r["body"]) for r in queue_messages(cloud)]
    assert {b["data"]["render_id"]: b["data"].get("parent_id") for b in queued} == {
        started["job_id"]: None,
        english_id: started["job_id"],
    }
    for job_id in (started["job_id"], english_id):
        outputs = {name: keys.output(job_id, name) for name in OUTPUT_NAMES}
        for name, key in outputs.items():
            adapters.blobs.put_bytes(key, f"{name} of {job_id}".encode())
        adapters.jobs.succeed(job_id, outputs, 30.0)
    records = queue_messages(cloud)
    bodies = [json.loads(r["body"]) for r in records]
    assert {b["data"].get("language") for b in bodies if b["type"] == "render.completed"} == {
        None,
        "en",
    }  # the English render's events say whose language they are
    assert load_handler("webhooks").handler({"Records": records}, FakeLambdaContext()) == {
        "batchItemFailures": []
    }

    files = _outgoing(cloud)
    assert sorted(files) == sorted([*OUTPUT_NAMES, *(f"en/{name}" for name in OUTPUT_NAMES)])
    assert files["en/video.mp4"] == f"video.mp4 of {english_id}".encode()
