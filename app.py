#!/usr/bin/env python3
"""The Estúdio CDK app: ``python app.py`` (or ``cdk synth``) writes the cloud assembly offline.

Stacks, split by lifecycle and scoped by the ``stage`` context (default "dev"):
Storage (stateful) → Webhooks → Render (Batch GPU) → Pipeline → Api → Monitoring, and the studio:
Identity (the Cognito user pool, stateful) → Site (the app on S3 + CloudFront, ``/v1`` on the same
origin through a second HTTP API with a JWT authorizer).
cdk-nag's AWS Solutions checks run on every synthesis; each suppression carries its reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.config import DeployConfig

PROJECT_ROOT = Path(__file__).resolve().parent


def apply_cdk_json_context(app: cdk.App, path: Path = PROJECT_ROOT / "cdk.json") -> None:
    """Give ``python app.py`` the context (feature flags included) ``cdk synth`` would pass;
    values already set (``-c``, tests) win."""
    for key, value in json.loads(path.read_text(encoding="utf-8")).get("context", {}).items():
        if app.node.try_get_context(key) is None:
            app.node.set_context(key, value)


def build_app(app: cdk.App | None = None, nag: bool = True) -> cdk.App:
    app = app or cdk.App()
    apply_cdk_json_context(app)
    config = DeployConfig.from_app(app)
    env = cdk.Environment(
        account=app.node.try_get_context("account"), region=app.node.try_get_context("region")
    )
    from stacks.api import ApiStack
    from stacks.identity import IdentityStack
    from stacks.monitoring import MonitoringStack
    from stacks.pipeline import PipelineStack
    from stacks.render import RenderStack
    from stacks.site import SiteStack
    from stacks.storage import StorageStack
    from stacks.webhooks import WebhooksStack

    storage = StorageStack(
        app, "Storage", config=config, env=env, stack_name=config.stack_name("Storage")
    )
    data = storage.data
    webhooks = WebhooksStack(
        app, "Webhooks", config=config, env=env, data=data, stack_name=config.stack_name("Webhooks")
    )
    render = RenderStack(
        app,
        "Render",
        config=config,
        env=env,
        data=data,
        events=webhooks.events,
        stack_name=config.stack_name("Render"),
    )
    pipeline = PipelineStack(
        app,
        "Pipeline",
        config=config,
        env=env,
        data=data,
        events_queue=webhooks.events,
        render=render,
        stack_name=config.stack_name("Pipeline"),
    )
    api = ApiStack(
        app,
        "Api",
        config=config,
        env=env,
        data=data,
        events_queue=webhooks.events,
        state_machine=pipeline.state_machine,
        execution_control=pipeline.execution_control,
        stack_name=config.stack_name("Api"),
    )
    identity = IdentityStack(
        app, "Identity", config=config, env=env, stack_name=config.stack_name("Identity")
    )
    site = SiteStack(
        app,
        "Site",
        config=config,
        env=env,
        data=data,
        functions=api.functions,
        user_pool=identity.user_pool,
        sign_in=identity.domain,
        stack_name=config.stack_name("Site"),
    )
    MonitoringStack(
        app,
        "Monitoring",
        config=config,
        env=env,
        state_machine=pipeline.state_machine,
        api=api.api,
        studio_api=site.api,
        dead_letter_queues={
            "Webhooks": webhooks.dead_letters,
            "Ingest": pipeline.ingest_dead_letters,
            "IngestFailures": pipeline.ingest_failures,
            "ReconcileFailures": pipeline.reconcile_failures,
        },
        functions={
            "Ingest": pipeline.ingest,
            "Reconcile": pipeline.reconciler,
            **{f"Api{name.title()}": fn for name, fn in api.functions.items()},
            "WebhookDelivery": webhooks.delivery,
        },
        stack_name=config.stack_name("Monitoring"),
    )
    for stack in (storage, webhooks, render, pipeline, api, identity, site):
        cdk.Tags.of(stack).add("project", "estudio")
        cdk.Tags.of(stack).add("stage", config.stage)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


if __name__ == "__main__":
    import sys

    from stacks.layer import IncompleteArtifacts

    try:
        build_app().synth()
    except IncompleteArtifacts as error:
        print(f"synth refused: {error}", file=sys.stderr)
        raise SystemExit(2) from None
