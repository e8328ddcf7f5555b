"""Access to the stored data, defined next to the data.

Two shapes: customer-managed policies that the API's functions attach (``bucket_policy``,
``table_policy``...), and, for the pipeline, ``StageAccess``: exactly the key patterns a stage
reads and writes, the item kinds it touches (a ``dynamodb:LeadingKeys`` condition on the
``{kind}#`` prefix every table and index partition key starts with) and the actions it uses.
Keeping the object-ARN wildcards here means each is written, and justified, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.nag import acknowledge_wildcards

OBJECT_READ = [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTagging",
    "s3:GetObjectVersionTagging",
]
# What writing an object takes (a multipart upload included), deleting it not.
OBJECT_PUT = [
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
]
OBJECT_WRITE = [*OBJECT_PUT, "s3:DeleteObject"]
TABLE_READ = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:DescribeTable",
]
TABLE_WRITE = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
]
OBJECT_REASON = (
    "Object-level S3 actions need object ARNs: the render's keys (jobs/{{id}}/...) are not known "
    "before it runs, so access is granted to this one bucket's objects{scope}."
)
STAGE_OBJECT_REASON = (
    "A stage's keys hold the job id (jobs/{id}/...), unknown before the job exists: each "
    "pattern names one kind of artefact of any job, only what this stage reads or writes."
)

# Every item kind the product stores (``{kind}#`` starts each partition key of the table and
# of both indexes). API keys are the authorizer's alone.
API_KEY_KINDS = ("apikey",)
API_KINDS = (
    "project",
    "upload",
    "idempotency",
    "job",
    "glossary",
    "webhook",
    "webhook_delivery",
    "dropfile",
    "audit",  # every change through the API is recorded (estudio.api.deps)
)


def leading_keys(kinds: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    """Only items (and index partitions) of these kinds: ``{kind}#...`` partition keys."""
    return {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{k}#*" for k in kinds]}}


def table_resources(table: dynamodb.ITable, indexes: Sequence[str]) -> list[str]:
    return [table.table_arn, *(f"{table.table_arn}/index/{name}" for name in indexes)]


def bucket_policy(
    scope: Construct, id: str, bucket: s3.IBucket, write: bool, prefix: str = ""
) -> iam.ManagedPolicy:
    objects = bucket.arn_for_objects(f"{prefix}*")
    actions = OBJECT_READ + (OBJECT_WRITE if write else [])
    policy = iam.ManagedPolicy(
        scope,
        id,
        description=f"{'Read-write' if write else 'Read'} access to one bucket's objects",
        statements=[
            iam.PolicyStatement(actions=actions, resources=[objects]),
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn]),
        ],
    )
    suffix = f" under {prefix}" if prefix else ""
    acknowledge_wildcards(policy, [objects], OBJECT_REASON.format(scope=suffix))
    return policy


def table_policy(
    scope: Construct,
    id: str,
    table: dynamodb.ITable,
    indexes: list[str],
    write: bool,
    kinds: Sequence[str] = API_KINDS,
    read_only: Sequence[str] = (),
    deletes: bool = True,
) -> iam.ManagedPolicy:
    """Read (and write) the items of ``kinds`` only, in the table and its indexes; read
    ``read_only`` kinds too. ``deletes=False``: writes without ``dynamodb:DeleteItem``."""
    resources = table_resources(table, indexes)
    writes = [a for a in TABLE_WRITE if deletes or a != "dynamodb:DeleteItem"] if write else []
    statements = [
        iam.PolicyStatement(
            actions=TABLE_READ + writes,
            resources=resources,
            conditions=leading_keys(kinds),
        )
    ]
    if read_only:
        statements.append(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:Query"],
                resources=resources,
                conditions=leading_keys(read_only),
            )
        )
    return iam.ManagedPolicy(
        scope,
        id,
        description=(
            f"{'Read-write' if write else 'Read'} access to the single table's "
            f"{', '.join(kinds)} items"
        ),
        statements=statements,
    )


def objects_write_policy(
    scope: Construct, id: str, bucket: s3.IBucket, pattern: str, reason: str
) -> iam.ManagedPolicy:
    """Write (and only write) the objects of ``bucket`` whose keys match ``pattern``."""
    objects = bucket.arn_for_objects(pattern)
    policy = iam.ManagedPolicy(
        scope,
        id,
        description=f"Write access to one bucket's objects under {pattern}",
        statements=[iam.PolicyStatement(actions=OBJECT_WRITE, resources=[objects])],
    )
    acknowledge_wildcards(policy, [objects], reason)
    return policy


def secret_read_policy(
    scope: Construct, id: str, secret: secretsmanager.ISecret
) -> iam.ManagedPolicy:
    """Read one secret's value (its full ARN: no wildcard)."""
    return iam.ManagedPolicy(
        scope,
        id,
        description="Read one secret's value",
        statements=[
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn]
            )
        ],
    )


# --- the pipeline's per-stage access ---------------------------------------------------------
ITEM_READ = ("dynamodb:GetItem",)
ITEM_UPDATE = ("dynamodb:GetItem", "dynamodb:UpdateItem")
ITEM_CREATE = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")


@dataclass(frozen=True)
class StageAccess:
    """What one stage (or the render container) touches. Key patterns are globs over the
    artifacts bucket (``outputs_read`` and ``outputs_write`` over the outputs bucket); items
    are ``kind: actions``."""

    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    outputs_read: tuple[str, ...] = ()
    outputs_write: tuple[str, ...] = ()
    items: tuple[tuple[str, tuple[str, ...]], ...] = (("job", ITEM_UPDATE),)
    lists_artifacts: bool = True  # ``exists`` needs ListBucket to see a 404, not a 403
    dropbox_read: bool = False


def stage_statements(
    artifacts: s3.IBucket, outputs: s3.IBucket, table: dynamodb.ITable, access: StageAccess
) -> list[iam.PolicyStatement]:
    statements: list[iam.PolicyStatement] = []
    if access.reads:
        statements.append(
            iam.PolicyStatement(
                actions=OBJECT_READ,
                resources=[artifacts.arn_for_objects(p) for p in access.reads],
            )
        )
    if access.writes:
        statements.append(
            iam.PolicyStatement(
                actions=OBJECT_PUT,
                resources=[artifacts.arn_for_objects(p) for p in access.writes],
            )
        )
    if access.lists_artifacts and (access.reads or access.writes):
        statements.append(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[artifacts.bucket_arn])
        )
    if access.outputs_read:
        statements.append(
            iam.PolicyStatement(
                actions=OBJECT_READ,
                resources=[outputs.arn_for_objects(p) for p in access.outputs_read],
            )
        )
    if access.outputs_write:
        statements.append(
            iam.PolicyStatement(
                actions=OBJECT_PUT,
                resources=[outputs.arn_for_objects(p) for p in access.outputs_write],
            )
        )
    by_actions: dict[tuple[str, ...], list[str]] = {}
    for kind, actions in access.items:
        by_actions.setdefault(tuple(sorted(set(actions))), []).append(kind)
    for actions, kinds in sorted(by_actions.items()):
        statements.append(
            iam.PolicyStatement(
                actions=list(actions),
                resources=[table.table_arn],
                conditions=leading_keys(kinds),
            )
        )
    return statements


def stage_policy(
    scope: Construct,
    id: str,
    name: str,
    artifacts: s3.IBucket,
    outputs: s3.IBucket,
    table: dynamodb.ITable,
) -> iam.ManagedPolicy:
    """The managed policy holding exactly ``STAGE_ACCESS[name]`` (wildcards acknowledged)."""
    statements = stage_statements(artifacts, outputs, table, STAGE_ACCESS[name])
    policy = iam.ManagedPolicy(
        scope, id, description=f"What the {name} stage reads and writes", statements=statements
    )
    wildcards = [r for s in statements if s.actions[0].startswith("s3:") for r in s.resources]
    acknowledge_wildcards(policy, wildcards, STAGE_OBJECT_REASON)
    return policy


# The render container (GPU or CPU queue) does what the render stage does.
RENDER_SCENE_ACCESS = StageAccess(
    reads=(
        "jobs/*/plan.json",
        "jobs/*/speech/*",
        "jobs/*/slides/*",
        "cache/segments/*",
    ),
    writes=("jobs/*/segments/*", "cache/segments/*"),
)
# What each stage function, the render container, the dropbox ingest and the reconciler touch.
STAGE_ACCESS: dict[str, StageAccess] = {
    # parse and rasterize: the tenant's slide cache (pictures and parsed decks, ADR 0013)
    "parse": StageAccess(
        reads=("projects/*/decks/*", "jobs/*/input/*", "cache/slides/*"),
        writes=("jobs/*/input/*", "jobs/*/deck.json", "jobs/*/glossary.json", "cache/slides/*"),
    ),
    "rasterize": StageAccess(
        reads=("jobs/*/input/*", "jobs/*/deck.json", "cache/slides/*"),
        writes=("jobs/*/slides/*", "cache/slides/*"),
    ),
    "speak": StageAccess(
        reads=("jobs/*/deck.json", "jobs/*/glossary.json", "cache/*"),
        writes=("jobs/*/speech/*", "cache/*"),
    ),
    "plan": StageAccess(
        reads=("jobs/*/deck.json", "jobs/*/speech/*"), writes=("jobs/*/plan.json",)
    ),
    "render_scene": RENDER_SCENE_ACCESS,
    # narrate, assemble, publish: narration pieces, videos, thumbnails cached (ADR 0013)
    "narrate": StageAccess(
        reads=("jobs/*/plan.json", "jobs/*/speech/*", "cache/segments/*"),
        writes=("jobs/*/narration.m4a", "cache/segments/*"),
    ),
    "assemble": StageAccess(
        reads=(
            "jobs/*/deck.json",
            "jobs/*/plan.json",
            "jobs/*/segments/*",
            "jobs/*/narration.m4a",
            "cache/segments/*",
        ),
        writes=("cache/segments/*",),
        outputs_write=("jobs/*/out/video.mp4",),
    ),
    "publish": StageAccess(
        reads=(
            "jobs/*/deck.json",
            "jobs/*/plan.json",
            "jobs/*/speech/*",
            "jobs/*/slides/*",
            "jobs/*/segments/*",
            "cache/segments/*",
        ),
        writes=("cache/segments/*",),
        outputs_write=("jobs/*/out/*",),
    ),
    # SCORM packages and the storyboard from a finished render: its video, captions and
    # manifest read back, the zips and the extended manifest written beside them.
    "package": StageAccess(
        reads=(
            "jobs/*/deck.json",
            "jobs/*/plan.json",
            "jobs/*/slides/*",
            "jobs/*/input/quiz.json",
        ),
        outputs_read=("jobs/*/out/*",),
        outputs_write=("jobs/*/out/*",),
    ),
    "fail": StageAccess(),
    "render_container": RENDER_SCENE_ACCESS,
    # The deck copied in, the job created, its tenant's glossary read, the Powertools
    # idempotency records ("idempotency#ingest").
    "ingest": StageAccess(
        writes=("jobs/*/input/*",),
        items=(
            ("job", ITEM_CREATE),
            ("glossary", ITEM_READ),
            ("idempotency", (*ITEM_CREATE, "dynamodb:DeleteItem")),
        ),
        lists_artifacts=False,
        dropbox_read=True,
    ),
    "reconcile": StageAccess(),  # the job item only
}
