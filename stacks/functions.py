"""Every Lambda made by one factory with shared defaults.

Defaults: Python 3.12, arm64 (zip functions; images are x86_64), JSON logs at INFO, active
tracing, a log group per function with retention, the Powertools environment. What a function
is made of (zip or image, which layers) is its bundle's (``stacks/bundles.py``, ADR 0004); where
the code and layers come from is the synthesis mode's (``stacks/layer.py``: the built
artifacts, or the source for checks). A ``FunctionSpec`` says only what differs: memory,
timeout, scratch space.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Annotations, Duration, RemovalPolicy, Size
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from estudio.api.groups import GROUP_ENV
from estudio.observability import SERVICE
from stacks.artifacts.report import BUNDLE_METADATA, LAYER_METADATA, STAMP
from stacks.bundles import ARM64, CODE_LAYER, IMAGE, Bundle, bundle
from stacks.config import DeployConfig
from stacks.layer import BUILD, MODES, SOURCE, built_function, built_layer, source_layer
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
    bundle: str | None = None  # its entry in stacks/bundles.py when not ``name``


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


def artifacts_mode(scope: Construct) -> str:
    mode = str(scope.node.try_get_context("artifacts") or BUILD)
    if mode not in MODES:
        raise ValueError(f"context artifacts must be one of {MODES}, got {mode!r}")
    return mode


class FunctionFactory(Construct):
    """Owns this stack's copies of the layers and builds its functions."""

    def __init__(
        self, scope: Construct, id: str, config: DeployConfig, environment: dict[str, str]
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        self.environment = {**FUNCTION_ENVIRONMENT, **environment}
        self.mode = artifacts_mode(self)
        self.layers: dict[str, lambda_.LayerVersion] = {}
        if self.mode == SOURCE:
            Annotations.of(self).add_info(
                "Synthesized from source (artifacts=source): the layers are stand-ins; "
                "run `make package` and `make synth` for a deployable app."
            )

    def layer(self, name: str) -> lambda_.LayerVersion:
        """This stack's copy of one layer (one asset per layer, shared by every stack)."""
        if name not in self.layers:
            root = self.config.project_root
            folder = built_layer(root, name) if self.mode == BUILD else source_layer(root, name)
            layer = lambda_.LayerVersion(
                self,
                f"{name.title()}Layer",
                code=lambda_.Code.from_asset(str(folder), exclude=[STAMP]),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
                description=(
                    "the estudio package" if name == CODE_LAYER else f"{name} dependencies"
                ),
            )
            cfn = layer.node.default_child
            assert cfn is not None
            cfn.add_metadata(LAYER_METADATA, name)  # type: ignore[attr-defined]
            self.layers[name] = layer
        return self.layers[name]

    def bundle_of(self, spec: FunctionSpec) -> Bundle:
        name = spec.bundle or spec.name
        try:
            return bundle(name)
        except KeyError:
            if self.mode == BUILD:
                raise
            Annotations.of(self).add_warning(f"{name} has no bundle in stacks/bundles.py")
            return Bundle(name, spec.name)

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
        """A zip function with its bundle's layers, or, for an image bundle, the image."""
        chosen = self.bundle_of(spec)
        if chosen.kind == IMAGE:
            image = self.image_function(scope, id, spec, self.stage_image(chosen))
            if chosen.api_group:
                image.add_environment(GROUP_ENV, chosen.api_group)
            return image
        folder: Path = self.config.project_root / "functions" / spec.name
        if not (folder / "handler.py").is_file():
            raise FileNotFoundError(f"no handler for {spec.name}: {folder / 'handler.py'}")
        if self.mode == BUILD:
            folder = built_function(self.config.project_root, chosen.name, spec.name)
        fn = lambda_.Function(
            scope,
            id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE
            if chosen.architecture == ARM64
            else lambda_.Architecture.X86_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(folder), exclude=["__pycache__", "*.pyc"]),
            layers=[self.layer(name) for name in chosen.layers],
            **self._common(scope, id, spec),  # type: ignore[arg-type]
        )
        if chosen.api_group:
            fn.add_environment(GROUP_ENV, chosen.api_group)
        cfn = fn.node.default_child
        assert cfn is not None
        cfn.add_metadata(BUNDLE_METADATA, chosen.name)  # type: ignore[attr-defined]
        acknowledge(fn, "AwsSolutions-L1")
        acknowledge(fn.role or fn, "AwsSolutions-IAM5[Resource::*]")  # X-Ray
        return fn

    def stage_image(self, chosen: Bundle) -> lambda_.DockerImageCode:
        """The stage image (LibreOffice, ffmpeg, numpy): built by docker at deploy time."""
        from stacks.render import BUILD_CONTEXT_EXCLUDE, DOCKERFILE, OFFICE_TARGET

        return lambda_.DockerImageCode.from_image_asset(
            str(self.config.project_root),
            file=DOCKERFILE,
            target=OFFICE_TARGET,
            exclude=BUILD_CONTEXT_EXCLUDE,
            cmd=[chosen.image_cmd or f"functions.{chosen.folder}.handler.handler"],
        )

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
