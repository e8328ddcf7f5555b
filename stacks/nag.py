"""cdk-nag (v3, a CDK policy-validation plugin) and the acknowledged findings.

Each acknowledgment names one finding and the reason it is acceptable here; synthesis fails on
any finding not listed.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, findings: dict[str, str]) -> None:
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=id, reason=reason) for id, reason in findings.items())
    )
