"""The AWS the stacks create, in moto: buckets, the single table, the events queue, the voice
keys secret and the state machine (the ASL file with its placeholders substituted as CDK
substitutes them); and the environment each function and the render container receive."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from estudio import constants as c

if TYPE_CHECKING:
    from stacks.storage import DataPlane

REGION = "sa-east-1"
ACCOUNT = "123456789012"
PREFIX = "estudio-rehearse"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
RENDER_QUEUE = "RenderJobQueueArn"
RENDER_DEFINITION = "RenderJobDefinitionArn"
# The CPU queue a presenter scene falls back to when no GPU host starts in time.
CPU_RENDER_QUEUE = "RenderCpuJobQueueArn"
CPU_RENDER_DEFINITION = "RenderCpuJobDefinitionArn"
# What Lambda itself puts in every function's environment (the stacks add the rest).
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "rehearsal",
    "AWS_SECRET_ACCESS_KEY": "rehearsal",
    "AWS_SESSION_TOKEN": "rehearsal",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}


def lambda_arn(function: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}-{function}"


@dataclass(frozen=True)
class World:
    """The resources' physical names, as the stacks' outputs would give them."""

    artifacts: str
    outputs: str
    uploads: str
    dropbox: str
    table: str
    events_queue_url: str
    voice_secret_arn: str
    state_machine_arn: str
    job_queue_arn: str
    job_definition_arn: str
    cpu_job_queue_arn: str
    cpu_job_definition_arn: str

    def data_plane(self) -> DataPlane:
        """The names ``stacks.environment.cloud_environment`` reads off the storage stack."""
        named = SimpleNamespace(
            artifacts=SimpleNamespace(bucket_name=self.artifacts),
            outputs=SimpleNamespace(bucket_name=self.outputs),
            uploads=SimpleNamespace(bucket_name=self.uploads),
            dropbox=SimpleNamespace(bucket_name=self.dropbox),
            table=SimpleNamespace(table_name=self.table),
            voice_keys=SimpleNamespace(secret_arn=self.voice_secret_arn),
        )
        return cast("DataPlane", named)


def _create_table(session: Any, name: str) -> None:
    """The single table with the keys and indexes ``stacks.storage`` declares."""

    def index(index_name: str, pk: str, sk: str) -> dict[str, Any]:
        return {
            "IndexName": index_name,
            "KeySchema": [
                {"AttributeName": pk, "KeyType": "HASH"},
                {"AttributeName": sk, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }

    keys = [c.TABLE_PK, c.TABLE_SK, c.TENANT_INDEX_PK, c.TENANT_INDEX_SK]
    keys += [c.KIND_INDEX_PK, c.KIND_INDEX_SK]
    client = session.client("dynamodb")
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": c.TABLE_PK, "KeyType": "HASH"},
            {"AttributeName": c.TABLE_SK, "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in keys],
        GlobalSecondaryIndexes=[
            index(c.TENANT_INDEX, c.TENANT_INDEX_PK, c.TENANT_INDEX_SK),
            index(c.KIND_INDEX, c.KIND_INDEX_PK, c.KIND_INDEX_SK),
        ],
    )
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": c.TABLE_TTL_ATTRIBUTE},
    )


def deployed_definition(asl: Path, substitutions: dict[str, str]) -> str:
    """The ASL file with every ``${Name}`` replaced, as ``definition_substitutions`` does."""
    text = asl.read_text(encoding="utf-8")
    missing = set(PLACEHOLDER.findall(text)) - set(substitutions)
    if missing:
        raise KeyError(f"no substitution for {sorted(missing)}")
    return PLACEHOLDER.sub(lambda m: substitutions[m.group(1)], text)


def create_world(session: Any, asl: Path, lambda_placeholders: dict[str, str]) -> World:
    """Everything, inside an active ``mock_aws``. ``lambda_placeholders``: ASL name → function."""
    s3 = session.client("s3")
    buckets = {}
    for role in ("artifacts", "outputs", "uploads", "dropbox"):
        buckets[role] = f"{PREFIX}-{role}"
        s3.create_bucket(
            Bucket=buckets[role], CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        s3.put_bucket_versioning(
            Bucket=buckets[role], VersioningConfiguration={"Status": "Enabled"}
        )
    table = f"{PREFIX}-table"
    _create_table(session, table)
    queue_url = session.client("sqs").create_queue(QueueName=f"{PREFIX}-events")["QueueUrl"]
    secret_arn = session.client("secretsmanager").create_secret(
        Name=f"{PREFIX}-voice-keys",
        SecretString=json.dumps({}),  # no keys: espeak-ng speaks
    )["ARN"]
    job_queue = f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/{PREFIX}-render"
    job_definition = f"arn:aws:batch:{REGION}:{ACCOUNT}:job-definition/{PREFIX}-render-scene:1"
    cpu_job_queue = f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/{PREFIX}-render-cpu"
    cpu_job_definition = (
        f"arn:aws:batch:{REGION}:{ACCOUNT}:job-definition/{PREFIX}-render-scene-cpu:1"
    )
    substitutions = {name: lambda_arn(fn) for name, fn in lambda_placeholders.items()}
    substitutions |= {
        RENDER_QUEUE: job_queue,
        RENDER_DEFINITION: job_definition,
        CPU_RENDER_QUEUE: cpu_job_queue,
        CPU_RENDER_DEFINITION: cpu_job_definition,
    }
    machine = session.client("stepfunctions").create_state_machine(
        name=f"{PREFIX}-render",
        definition=deployed_definition(asl, substitutions),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-render-machine",
        type="STANDARD",
    )["stateMachineArn"]
    return World(
        artifacts=buckets["artifacts"],
        outputs=buckets["outputs"],
        uploads=buckets["uploads"],
        dropbox=buckets["dropbox"],
        table=table,
        events_queue_url=queue_url,
        voice_secret_arn=secret_arn,
        state_machine_arn=machine,
        job_queue_arn=job_queue,
        job_definition_arn=job_definition,
        cpu_job_queue_arn=cpu_job_queue,
        cpu_job_definition_arn=cpu_job_definition,
    )
