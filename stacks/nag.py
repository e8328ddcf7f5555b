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
    "AwsSolutions-CFR1": (
        "The studio serves every country its customers' people work from; who may sign in is "
        "decided by the user pool, not by geography."
    ),
    "AwsSolutions-CFR2": (
        "No WAF web ACL (a us-east-1 stack and a monthly charge per ACL and rule): the site "
        "bucket holds only the app's public files, and every /v1 call passes the JWT authorizer "
        "and the API stage's throttling first."
    ),
    "AwsSolutions-CFR4": (
        "The distribution answers on its *.cloudfront.net name with CloudFront's default "
        "certificate, whose minimum protocol cannot be raised; a custom domain with its own "
        "certificate would set TLSv1.2_2021."
    ),
    "AwsSolutions-COG2": (
        "MFA is optional (TOTP, no SMS): admins create every account for a company's trainers, "
        "who enrol an authenticator when their tenant asks them to; requiring it would block "
        "the first sign-in of tenants that have not rolled out authenticators."
    ),
    "AwsSolutions-COG8": (
        "Outside production the pool is on the Essentials plan: the Plus plan's threat "
        "protection is billed per active user; production turns it on (context auth_plus)."
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


SITE_DEPLOYMENT_REASON = (
    "CDK's BucketDeployment handler, which copies the app's files into the site bucket at "
    "deploy time and invalidates the distribution: its role and runtime are CDK's own "
    "(AWSLambdaBasicExecutionRole for its logs, read of the CDK asset bucket, write of the "
    "site bucket, CloudFront invalidations, which have no resource-level permission)."
)


def acknowledge_site_deployment(stack: Stack, deployment: IConstruct, site_bucket: Any) -> None:
    """Acknowledge the findings on CDK's BucketDeployment handler (its singleton function sits
    at the stack's root) with one reason: the wildcard actions CDK grants it (``s3:GetObject*``
    …), the objects of the CDK asset bucket and of the site bucket, and ``*`` for CloudFront
    invalidations; its CDK-chosen runtime and AWSLambdaBasicExecutionRole. Any other finding
    on it still fails synthesis."""
    from aws_cdk import DefaultStackSynthesizer

    qualifier = DefaultStackSynthesizer.DEFAULT_QUALIFIER
    assets = f"arn:<AWS::Partition>:s3:::cdk-{qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*"
    objects = flatten_cfn_reference(stack.resolve(site_bucket.arn_for_objects("*")))
    findings = [
        f"{PACK}-L1",
        f"{PACK}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        *(f"{PACK}-IAM5[Action::s3:{action}*]" for action in SITE_DEPLOYMENT_ACTIONS),
        *(f"{PACK}-IAM5[Resource::{resource}]" for resource in (assets, objects, "*")),
    ]
    handlers = [
        c for c in stack.node.children if c.node.id.startswith("Custom::CDKBucketDeployment")
    ]
    for scope in (*handlers, deployment):
        Validations.of(scope).acknowledge(
            *(Acknowledgment(id=id, reason=SITE_DEPLOYMENT_REASON) for id in findings)
        )


# The wildcard actions of CDK's grantRead / grantReadWrite that the handler's role holds.
SITE_DEPLOYMENT_ACTIONS = ("GetBucket", "GetObject", "List", "DeleteObject", "Abort")
