"""cdk-nag (v3, a CDK policy-validation plugin) and the findings acknowledged, each with its reason.

Synthesis fails on any finding not acknowledged here. Wildcard resources are acknowledged one by
one, computed from the very policy statement that grants them, so a new wildcard in a policy is
a new, failing finding until someone writes down why it is needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

PACK = "AwsSolutions"

# Findings whose text is stable, and why each is acceptable where it is acknowledged.
REASONS: dict[str, str] = {
    "AwsSolutions-L1": (
        "Pinned to python3.12: the shared layer's native wheels (pydantic-core, lxml, numpy) are "
        "built for cp312; the runtime moves together with the layer build, not alone."
    ),
    "AwsSolutions-IAM5[Resource::*]": (
        "X-Ray PutTraceSegments/PutTelemetryRecords, ECR GetAuthorizationToken, CloudWatch Logs "
        "delivery (Step Functions) and Batch DescribeJobs/TerminateJob have no resource-level "
        "permissions: AWS documents '*' as their only resource."
    ),
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AmazonEC2ContainerServiceforEC2Role]": (
        "The instance role AWS Batch documents for ECS container instances; the render job "
        "itself runs with its own least-privilege job role."
    ),
    "AwsSolutions-SMG4": (
        "The voice keys are API keys issued by ElevenLabs and Azure: only their consoles can "
        "issue new ones, so no rotation Lambda can rotate them; the operator rotates them there "
        "and puts the new value (docs/deploy.md)."
    ),
    "AwsSolutions-APIG4": (
        "Public on purpose, and only these: the liveness route and the web page with its static "
        "assets, which hold no tenant data (every /v1 resource route has the API-key authorizer)."
    ),
    "AwsSolutions-SQS3": (
        "This queue is itself a dead-letter queue (an EventBridge target's), which cdk-nag "
        "cannot see because no SQS queue names it in a redrive policy."
    ),
}


def acknowledge(scope: IConstruct, *ids: str) -> None:
    """Acknowledge stable findings on ``scope`` (and its children), with their ``REASONS``."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id, reason=REASONS[id]) for id in ids))


def flatten_cfn_reference(reference: Any) -> str:
    """The string cdk-nag prints for a resolved CloudFormation value (its flattenCfnReference)."""
    if reference is None:
        return ""
    if isinstance(reference, str):
        return reference.replace("${", "<").replace("}", ">")
    if isinstance(reference, dict):
        if "Fn::Join" in reference:
            delimiter, items = reference["Fn::Join"]
            return str(delimiter).join(flatten_cfn_reference(item) for item in items)
        if "Fn::Sub" in reference:
            return flatten_cfn_reference(reference["Fn::Sub"])
        if "Fn::GetAtt" in reference:
            resource, attribute = reference["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in reference:
            return flatten_cfn_reference(reference["Fn::ImportValue"])
        if "Ref" in reference:
            return f"<{flatten_cfn_reference(reference['Ref'])}>"
    return json.dumps(reference, separators=(",", ":"))


def acknowledge_wildcards(scope: IConstruct, resources: Iterable[str], reason: str) -> None:
    """Acknowledge the wildcard findings these resources (ARNs made in ``scope``'s stack) raise."""
    stack = Stack.of(scope)
    acknowledgments = []
    for resource in resources:
        flat = flatten_cfn_reference(stack.resolve(resource))
        if "*" in flat:
            acknowledgments.append(
                Acknowledgment(id=f"{PACK}-IAM5[Resource::{flat}]", reason=reason)
            )
    if acknowledgments:
        Validations.of(scope).acknowledge(*acknowledgments)
