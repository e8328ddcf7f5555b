"""Deployment settings read once from CDK context (``cdk.json`` or ``-c key=value``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import App

from estudio.constants import APP_NAME, DEFAULT_STAGE, GPU_INSTANCE_CLASSES, PROD_STAGES

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _list(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list | tuple):
        return tuple(str(part) for part in value)
    raise ValueError(f"expected a list or a comma-separated string, got {value!r}")


def _bool(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _optional_bool(value: object) -> bool | None:
    return None if value is None or value == "" else _bool(value, default=False)


def _domain_prefix(value: object) -> str | None:
    """A Cognito domain prefix: lowercase letters, digits and dashes, not naming AWS."""
    if value is None or value == "":
        return None
    prefix = str(value)
    if (
        not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", prefix)
        or "aws" in prefix
        or "amazon" in prefix
        or "cognito" in prefix
    ):
        raise ValueError(
            f"auth_domain_prefix must be lowercase letters, digits and dashes, "
            f"without aws/amazon/cognito: {prefix!r}"
        )
    return prefix


def _positive(node: object, key: str, default: int) -> int:
    value = node.try_get_context(key)  # type: ignore[attr-defined]
    number = int(value) if value not in (None, "") else default
    if number <= 0:
        raise ValueError(f"{key} must be a positive whole number, got {value!r}")
    return number


@dataclass(frozen=True)
class DeployConfig:
    stage: str = DEFAULT_STAGE
    spa_origins: tuple[str, ...] = ()
    alarm_email: str | None = None
    layer_dir: Path = PROJECT_ROOT / "build" / "layer"
    max_gpu_vcpus: int = 32
    gpu_instance_classes: tuple[str, ...] = GPU_INSTANCE_CLASSES
    gpu_spot: bool = True
    api_rate_limit: int = 50
    api_burst_limit: int = 100
    log_retention_days: int = 30
    # A presenter scene waits this long for the GPU queue, then renders on the CPU queue.
    presenter_gpu_timeout_s: int = 600
    # Slide images, speech, segments and the speech/segment caches expire after this.
    intermediate_days: int = 7
    # Job and webhook-delivery items expire (DynamoDB TTL) this long after they are written.
    record_days: int = 90
    project_root: Path = PROJECT_ROOT
    # Sign-in (Cognito): the hosted UI's domain prefix (unique per region; default
    # ``estudio-<stage>``), whether people may sign themselves up (no: admins create users), and
    # the Plus feature plan (threat protection, billed per active user; on in production).
    auth_domain_prefix: str | None = None
    self_sign_up: bool = False
    auth_plus: bool | None = None

    @property
    def sign_in_prefix(self) -> str:
        return self.auth_domain_prefix or f"{APP_NAME.lower()}-{self.stage}"

    @property
    def threat_protection(self) -> bool:
        return self.is_prod if self.auth_plus is None else self.auth_plus

    @property
    def is_prod(self) -> bool:
        return self.stage in PROD_STAGES

    def stack_name(self, part: str) -> str:
        """``Estudio-dev-Storage``: stage- (and so branch-) scoped, never a resource's name."""
        return f"{APP_NAME}-{self.stage}-{part}"

    @classmethod
    def from_app(cls, app: App) -> DeployConfig:
        node = app.node
        stage = str(node.try_get_context("stage") or DEFAULT_STAGE)
        if not stage.replace("-", "").isalnum() or len(stage) > 24:
            raise ValueError(f"stage must be letters, digits and dashes (≤24): {stage!r}")
        layer_dir = node.try_get_context("layer_dir")
        return cls(
            stage=stage,
            spa_origins=_list(node.try_get_context("spa_origins")),
            alarm_email=node.try_get_context("alarm_email") or None,
            layer_dir=Path(layer_dir) if layer_dir else PROJECT_ROOT / "build" / "layer",
            max_gpu_vcpus=int(node.try_get_context("max_gpu_vcpus") or 32),
            gpu_instance_classes=_list(node.try_get_context("gpu_instance_classes"))
            or GPU_INSTANCE_CLASSES,
            gpu_spot=_bool(node.try_get_context("gpu_spot"), default=stage not in PROD_STAGES),
            api_rate_limit=int(node.try_get_context("api_rate_limit") or 50),
            api_burst_limit=int(node.try_get_context("api_burst_limit") or 100),
            log_retention_days=int(node.try_get_context("log_retention_days") or 30),
            presenter_gpu_timeout_s=_positive(node, "presenter_gpu_timeout_s", 600),
            intermediate_days=_positive(node, "intermediate_days", 7),
            record_days=_positive(node, "record_days", 90),
            auth_domain_prefix=_domain_prefix(node.try_get_context("auth_domain_prefix")),
            self_sign_up=_bool(node.try_get_context("self_sign_up"), default=False),
            auth_plus=_optional_bool(node.try_get_context("auth_plus")),
            project_root=Path(root)
            if (root := node.try_get_context("project_root"))
            else (PROJECT_ROOT),
        )
