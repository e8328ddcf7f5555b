"""The rehearsal itself: the deck in through the API, the execution through the handlers, the
outputs out through the API's download links."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import boto3
import requests
from moto import mock_aws

from estudio.adapters.aws.items import DynamoItemStore
from estudio.api.keys import create_key
from estudio.observability import logger
from estudio.pipeline.asl import Execution, ExecutionFailed, StateMachine
from stacks.rehearse.api import HttpApi, sign_in_person
from stacks.rehearse.batch import SUBMIT_JOB_SYNC, RenderJobs
from stacks.rehearse.lambdas import (
    EnvironmentLease,
    FunctionDef,
    Lambdas,
    function_defs,
    sandbox_environment,
)
from stacks.rehearse.world import ACCOUNT, PREFIX, REGION, World, create_world, lambda_arn

ASL = Path("statemachines") / "render.asl.json"
TENANT = "ensaio"
CONSUMER = "webhooks"
HTTP_TIMEOUT_S = 120


def _stage_placeholders() -> dict[str, str]:
    from stacks.pipeline import STAGES

    return {stage.placeholder: stage.spec.name for stage in STAGES}


def resolver(defs: dict[str, FunctionDef], lambdas: Lambdas, jobs: RenderJobs) -> dict[str, Any]:
    """Each Resource of the deployed definition → what answers it: a Lambda ARN → its handler
    module, the Batch integration → the render container."""
    resources: dict[str, Any] = {
        lambda_arn(fn.name): lambdas.resource(fn.name) for fn in defs.values() if fn.placeholder
    }
    resources[SUBMIT_JOB_SYNC] = jobs.submit_sync
    return resources


def _drain_events(session: Any, world: World, lambdas: Lambdas) -> list[str]:
    """The events queue → the consumer function, as its SQS event source would deliver them."""
    sqs = session.client("sqs")
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{PREFIX}-events"
    seen: list[str] = []
    for _ in range(100):
        messages = sqs.receive_message(
            QueueUrl=world.events_queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return seen
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
        answer = lambdas.invoke(CONSUMER, {"Records": records})
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        for message in messages:
            seen.append(str(json.loads(message["Body"]).get("type", "webhook.wake")))
            if message["MessageId"] not in failed:  # the event source deletes what succeeded
                sqs.delete_message(
                    QueueUrl=world.events_queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
    return seen


def _download(url: str, dest: Path) -> Path:
    response = requests.get(url, timeout=HTTP_TIMEOUT_S)
    response.raise_for_status()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".tmp-{dest.name}")
    tmp.write_bytes(response.content)
    tmp.replace(dest)
    return dest


def _execute(
    session: Any, world: World, render_id: str, resources: dict[str, Any]
) -> tuple[str, str | None]:
    """Run the execution the API started, from the definition Step Functions holds."""
    sfn = session.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=world.state_machine_arn)["executions"]
    started = [e for e in executions if e["name"] == render_id]
    if len(started) != 1:
        raise RuntimeError(f"the API started {len(started)} executions named {render_id}")
    described = sfn.describe_execution(executionArn=started[0]["executionArn"])
    machine = sfn.describe_state_machine(stateMachineArn=world.state_machine_arn)
    interpreter = StateMachine(
        json.loads(machine["definition"]), resources, max_workers=os.cpu_count() or 2
    )
    execution = Execution(
        name=described["name"],
        state_machine_arn=world.state_machine_arn,
        role_arn=machine["roleArn"],
        start_time=described["startDate"],
    )
    try:
        interpreter.execute(json.loads(described["input"]), execution=execution)
    except ExecutionFailed as failed:
        logger.warning("execution failed", error=failed.error, cause=(failed.cause or "")[:300])
        return "FAILED", failed.error
    return "SUCCEEDED", None


def rehearse(
    root: Path, deck: Path, out: Path, avatar: str | None, preset: str, scratch: Path
) -> dict[str, Any]:
    started = time.monotonic()
    os.environ.update(sandbox_environment({}, "rehearsal", scratch))  # this shell's AWS is moto
    with mock_aws(), EnvironmentLease() as lease:
        session = boto3.session.Session(region_name=REGION)
        world = create_world(session, root / ASL, _stage_placeholders())
        defs = function_defs(world)
        lambdas = Lambdas(root, defs, scratch, lease)
        jobs = RenderJobs(root, world, scratch, lease)
        items = DynamoItemStore(session.resource("dynamodb").Table(world.table))
        api = HttpApi(lambdas, create_key(items, TENANT, label="rehearsal"))  # the operator's

        project = api.call("POST", "/v1/projects", {"name": "Ensaio na nuvem"}, expect=201)
        ticket = api.call(
            "POST", f"/v1/projects/{project['id']}/deck", {"filename": deck.name}, expect=201
        )
        put = requests.put(ticket["upload_url"], data=deck.read_bytes(), timeout=HTTP_TIMEOUT_S)
        put.raise_for_status()
        parsed = api.call(
            "POST",
            f"/v1/projects/{project['id']}/deck/complete",
            {"upload_id": ticket["upload_id"]},
        )
        options: dict[str, Any] = {"preset": preset}
        if avatar:
            options["avatar"] = avatar
        render = api.call("POST", f"/v1/projects/{project['id']}/renders", options, expect=202)

        execution_status, error = _execute(
            session, world, render["id"], resolver(defs, lambdas, jobs)
        )
        events = _drain_events(session, world, lambdas)
        final = api.call("GET", f"/v1/renders/{render['id']}")
        # A person of the same tenant, signed in to the studio, sees the same render.
        token, claims = sign_in_person(session, TENANT)
        studio = HttpApi(lambdas, token, person=claims).call("GET", f"/v1/renders/{render['id']}")
        outputs = [
            str(_download(item["url"], out / item["name"])) for item in final.get("outputs", [])
        ]
    manifest: dict[str, Any] = {}
    manifest_path = out / "manifest.json"
    if str(manifest_path) in outputs:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return {
        "status": final["status"],
        "scenes": len(manifest.get("scenes", [])) or parsed.get("scene_count"),
        "duration_s": manifest.get("duration_s", final.get("duration_s")),
        "outputs": outputs,
        "render_id": render["id"],
        "studio_status": studio["status"],
        "error": final.get("error") or error,
        "execution": execution_status,
        "presenter_jobs": len(jobs.jobs),
        "upload_bucket": ticket["upload_url"].split("//", 1)[-1].split(".", 1)[0],
        "events": events,
        "invocations": _invocations(lambdas, defs),
        "wall_s": round(time.monotonic() - started, 1),
    }


def _invocations(lambdas: Lambdas, defs: dict[str, FunctionDef]) -> dict[str, Any]:
    """Per function: calls, failures, the cold import (init), the slowest call, and whether it
    fit the function's timeout on this machine."""
    table: dict[str, Any] = {}
    for call in lambdas.log:
        row = table.setdefault(call.function, {"calls": 0, "max_s": 0.0, "failed": 0})
        row["calls"] += 1
        row["max_s"] = round(max(row["max_s"], call.seconds), 2)
        row["failed"] += 0 if call.ok else 1
    for name, row in table.items():
        row["init_s"] = lambdas.init_s.get(name)
        row["timeout_s"] = defs[name].timeout_s
        row["over_timeout"] = row["max_s"] > row["timeout_s"]  # Lambda would have stopped it
    return table
