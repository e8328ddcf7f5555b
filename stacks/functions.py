"""Every Lambda made by one factory with shared defaults.

Defaults: Python 3.12, arm64 (zip functions; the LibreOffice image is x86_64), JSON logs at INFO,
active tracing, a log group per function with retention, the shared layer, the Powertools
environment. A ``FunctionSpec`` says only what differs: memory, timeout, scratch space.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Annotations, Duration, RemovalPolicy, Size
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from estudio.observability import SERVICE
from stacks.config import DeployConfig
from stacks.layer import layer_source
from stacks.nag import acknowledge

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # folder under functions/ (zip) and the handler's module there
    description: str
    memory_mb: int = 512
    timeout: Duration = field(default_factory=lambda: Duration.seconds(30))
    ephemeral_mb: int = 512
    environment: dict[str, str] = field(default_factory=dict)


# What every function's environment holds before its stack adds the resource names.
FUNCTION_ENVIRONMENT: dict[str, str] = {
    "POWERTOOLS_SERVICE_NAME": SERVICE,
    "POWERTOOLS_METRICS_NAMESPACE": "Estudio",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "ESTUDIO_DATA": "/tmp/estudio",
    "ESTUDIO_ENCODER": "libx264",  # Lambda has no GPU
}


def spec_environment(spec: FunctionSpec) -> dict[str, str]:
    """What one function adds: its tool time limit and its own variables."""
    return {
        # Stage code stops its tools a little before Lambda stops it.
        "ESTUDIO_LIMIT_STAGE_TIMEOUT_S": str(max(10, spec.timeout.to_seconds() - 10)),
        **spec.environment,
    }


RETENTION_BY_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def retention(days: int) -> logs.RetentionDays:
    try:
        return RETENTION_BY_DAYS[days]
    except KeyError as error:
        raise ValueError(
            f"log retention must be one of {sorted(RETENTION_BY_DAYS)} days"
        ) from error


class FunctionFactory(Construct):
    """Owns this stack's copy of the shared layer and builds its functions."""

    def __init__(
        self, scope: Construct, id: str, config: DeployConfig, environment: dict[str, str]
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        self.environment = {**FUNCTION_ENVIRONMENT, **environment}
        source, complete = layer_source(config.project_root, config.layer_dir)
        if not complete:
            Annotations.of(self).add_info(
                "The layer holds the estudio package only; run `make layer` before deploying."
            )
        self.layer = lambda_.LayerVersion(
            self,
            "SharedLayer",
            code=lambda_.Code.from_asset(str(source)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="estudio package and its dependencies",
        )

    def _log_group(self, id: str) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            f"{id}Logs",
            retention=retention(self.config.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN if self.config.is_prod else RemovalPolicy.DESTROY,
        )

    def _common(self, scope: Construct, id: str, spec: FunctionSpec) -> dict[str, object]:
        log_group = self._log_group(id)
        # Its own role: writes its own log group only (no AWS managed policy); the stacks add
        # what the function touches.
        role = iam.Role(
            scope,
            f"{id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{spec.name} function",
        )
        log_group.grant_write(role)
        return {
            "role": role,
            "description": spec.description,
            "memory_size": spec.memory_mb,
            "timeout": spec.timeout,
            "ephemeral_storage_size": Size.mebibytes(spec.ephemeral_mb),
            "tracing": lambda_.Tracing.ACTIVE,
            "logging_format": lambda_.LoggingFormat.JSON,
            "application_log_level_v2": lambda_.ApplicationLogLevel.INFO,
            "system_log_level_v2": lambda_.SystemLogLevel.WARN,
            "log_group": log_group,
            "environment": {**self.environment, **spec_environment(spec)},
        }

    def function(self, scope: Construct, id: str, spec: FunctionSpec) -> lambda_.Function:
        folder: Path = self.config.project_root / "functions" / spec.name
        if not (folder / "handler.py").is_file():
            raise FileNotFoundError(f"no handler for {spec.name}: {folder / 'handler.py'}")
        fn = lambda_.Function(
            scope,
            id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(folder), exclude=["__pycache__", "*.pyc"]),
            layers=[self.layer],
            **self._common(scope, id, spec),  # type: ignore[arg-type]
        )
        acknowledge(fn, "AwsSolutions-L1")
        acknowledge(fn.role or fn, "AwsSolutions-IAM5[Resource::*]")  # X-Ray
        return fn

    def image_function(
        self, scope: Construct, id: str, spec: FunctionSpec, code: lambda_.DockerImageCode
    ) -> lambda_.DockerImageFunction:
        """For stages that need system programs (LibreOffice): the package is in the image."""
        fn = lambda_.DockerImageFunction(
            scope,
            id,
            code=code,
            architecture=lambda_.Architecture.X86_64,
            **self._common(scope, id, spec),  # type: ignore[arg-type]
        )
        acknowledge(fn.role or fn, "AwsSolutions-IAM5[Resource::*]")  # X-Ray
        return fn
