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


def test_given_sign_in_context_when_read_then_defaults_follow_the_stage() -> None:
    from aws_cdk import App

    from stacks.config import DeployConfig

    dev = DeployConfig.from_app(App())
    assert (dev.sign_in_prefix, dev.self_sign_up, dev.threat_protection) == (
        "estudio-dev",
        False,
        False,
    )
    prod = DeployConfig.from_app(App(context={"stage": "prod"}))
    assert (prod.sign_in_prefix, prod.threat_protection) == ("estudio-prod", True)
    chosen = DeployConfig.from_app(
        App(context={"auth_domain_prefix": "acme-studio", "auth_plus": "true", "self_sign_up": 1})
    )
    assert (chosen.sign_in_prefix, chosen.threat_protection, chosen.self_sign_up) == (
        "acme-studio",
        True,
        True,
    )


@pytest.mark.parametrize("prefix", ["Acme", "my-aws-login", "cognito-x", "-lead", "a_b", "x" * 64])
def test_given_a_domain_prefix_cognito_refuses_when_read_then_refused(prefix: str) -> None:
    from aws_cdk import App

    from stacks.config import DeployConfig

    with pytest.raises(ValueError, match="auth_domain_prefix"):
        DeployConfig.from_app(App(context={"auth_domain_prefix": prefix}))


def test_given_the_local_csp_when_widened_for_the_site_then_only_connect_src_changes() -> None:
    from estudio.api.guard import CSP
    from stacks.site import site_csp

    widened = site_csp(["https://estudio.auth.sa-east-1.amazoncognito.com"])
    before, after = CSP.split("; "), widened.split("; ")
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert changed == [
        (
            "connect-src 'self'",
            "connect-src 'self' https://estudio.auth.sa-east-1.amazoncognito.com",
        )
    ]


def test_given_source_mode_when_staging_the_code_layer_then_the_package_alone_is_used() -> None:
    from stacks.config import PROJECT_ROOT
    from stacks.layer import source_layer

    source = source_layer(PROJECT_ROOT, "code")
    assert (source / "python" / "estudio" / "ports.py").is_file()
    assert not list(source.rglob("__pycache__"))
