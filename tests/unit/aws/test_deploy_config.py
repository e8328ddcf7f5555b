"""Deployment settings from CDK context."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


def test_given_context_when_read_then_lists_bools_and_stage_scoping() -> None:
    from aws_cdk import App

    from stacks.config import DeployConfig

    app = App(
        context={
            "stage": "prod",
            "spa_origins": "https://a.example, https://b.example",
            "gpu_spot": "false",
        }
    )
    config = DeployConfig.from_app(app)
    assert config.spa_origins == ("https://a.example", "https://b.example")
    assert (config.is_prod, config.gpu_spot) == (True, False)
    assert config.stack_name("Storage") == "Estudio-prod-Storage"
    assert DeployConfig.from_app(App()).stage == "dev"


def test_given_a_hostile_stage_when_read_then_refused() -> None:
    from aws_cdk import App

    from stacks.config import DeployConfig

    with pytest.raises(ValueError):
        DeployConfig.from_app(App(context={"stage": "dev;rm -rf"}))


def test_given_source_mode_when_staging_the_code_layer_then_the_package_alone_is_used() -> None:
    from stacks.config import PROJECT_ROOT
    from stacks.layer import source_layer

    source = source_layer(PROJECT_ROOT, "code")
    assert (source / "python" / "estudio" / "ports.py").is_file()
    assert not list(source.rglob("__pycache__"))
