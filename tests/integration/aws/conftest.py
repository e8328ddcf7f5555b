"""A moto AWS with the resources the stacks create (same keys, same indexes), and the
environment the stacks pass to the functions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import boto3
import pytest
from moto import mock_aws

from estudio import constants as c
from estudio.adapters.aws import context as aws_context

REGION = "sa-east-1"


@dataclass
class FakeCloud:
    session: boto3.session.Session
    artifacts: str
    outputs: str
    uploads: str
    dropbox: str
    table: str
    queue_url: str
    state_machine_arn: str

    def client(self, service: str) -> Any:
        return self.session.client(service)


def create_table(session: boto3.session.Session, name: str) -> None:
    def index(name: str, pk: str, sk: str) -> dict[str, Any]:
        return {
            "IndexName": name,
            "KeySchema": [
                {"AttributeName": pk, "KeyType": "HASH"},
                {"AttributeName": sk, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }

    attributes = [
        c.TABLE_PK,
        c.TABLE_SK,
        c.TENANT_INDEX_PK,
        c.TENANT_INDEX_SK,
        c.KIND_INDEX_PK,
        c.KIND_INDEX_SK,
    ]
    session.client("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": c.TABLE_PK, "KeyType": "HASH"},
            {"AttributeName": c.TABLE_SK, "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        GlobalSecondaryIndexes=[
            index(c.TENANT_INDEX, c.TENANT_INDEX_PK, c.TENANT_INDEX_SK),
            index(c.KIND_INDEX, c.KIND_INDEX_PK, c.KIND_INDEX_SK),
        ],
    )


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCloud]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "EstudioTest",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        s3 = session.client("s3")
        names = {}
        for role in ("artifacts", "outputs", "uploads", "dropbox"):
            names[role] = f"estudio-test-{role}"
            s3.create_bucket(
                Bucket=names[role], CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        s3.put_bucket_versioning(
            Bucket=names["dropbox"], VersioningConfiguration={"Status": "Enabled"}
        )
        create_table(session, "estudio-test-table")
        queue_url = session.client("sqs").create_queue(QueueName="estudio-test-events")["QueueUrl"]
        machine = session.client("stepfunctions").create_state_machine(
            name="estudio-test-render",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/estudio-test-sfn",
        )["stateMachineArn"]
        env = {
            c.ENV_ARTIFACTS_BUCKET: names["artifacts"],
            c.ENV_OUTPUTS_BUCKET: names["outputs"],
            c.ENV_UPLOADS_BUCKET: names["uploads"],
            c.ENV_TABLE: "estudio-test-table",
            c.ENV_EVENTS_QUEUE_URL: queue_url,
            c.ENV_STATE_MACHINE_ARN: machine,
            f"{c.ENV_PREFIX}WEBHOOKS_ALLOW_PRIVATE": "true",  # the receiver is on loopback
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        aws_context.get_cloud_settings.cache_clear()
        aws_context.cached_adapters.cache_clear()
        yield FakeCloud(
            session=session,
            table="estudio-test-table",
            queue_url=queue_url,
            state_machine_arn=machine,
            **names,
        )
        aws_context.get_cloud_settings.cache_clear()
        aws_context.cached_adapters.cache_clear()


def queue_messages(cloud: FakeCloud, wait_s: int = 0) -> list[dict[str, Any]]:
    """Every message visible on the events queue now, as Lambda's SQS records (received: they
    stay invisible for the queue's visibility timeout, as after a real poll)."""
    sqs = cloud.client("sqs")
    records: list[dict[str, Any]] = []
    while True:
        response = sqs.receive_message(
            QueueUrl=cloud.queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=wait_s,
        )
        messages = response.get("Messages", [])
        if not messages:
            return records
        for message in messages:
            records.append(
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": message.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": message["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:estudio-test-events",
                    "awsRegion": REGION,
                }
            )


def delayed_messages(cloud: FakeCloud) -> int:
    attributes = cloud.client("sqs").get_queue_attributes(
        QueueUrl=cloud.queue_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesDelayed"])


class Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint on loopback: records each POST, answers ``status``."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    status: ClassVar[int] = 204

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    handler = type("TestReceiver", (Receiver,), {"received": [], "status": 204})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", handler
    server.shutdown()
    server.server_close()
    thread.join(5)
