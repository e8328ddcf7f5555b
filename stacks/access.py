"""Access to the stored data, defined next to the data: customer-managed policies with explicit
actions that stateless stacks attach to their roles. Keeping the object-ARN wildcards here means
each is written, and justified, once."""

from __future__ import annotations

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
OBJECT_WRITE = [
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
]
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
    scope: Construct, id: str, table: dynamodb.ITable, indexes: list[str], write: bool
) -> iam.ManagedPolicy:
    resources = [table.table_arn, *(f"{table.table_arn}/index/{name}" for name in indexes)]
    return iam.ManagedPolicy(
        scope,
        id,
        description=f"{'Read-write' if write else 'Read'} access to the single table",
        statements=[
            iam.PolicyStatement(
                actions=TABLE_READ + (TABLE_WRITE if write else []),
                resources=resources,
            )
        ],
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
