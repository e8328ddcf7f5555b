"""The HTTP API: one small FastAPI Lambda per route group (``estudio.api.groups``) behind an HTTP
API, API keys checked by a Lambda authorizer, throttled, with access logs and CORS for the SPA's
origins. Each group's routes go to its own function, whose role holds only what they touch.

This is the partner API (API keys). The studio API (``stacks.site``, behind CloudFront) routes
the same ``/v1`` paths to the same functions with a Cognito JWT authorizer: both are wired by
``add_group_routes`` and staged by ``logged_stage`` (ADR 0016)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import jsii
from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack, aws_apigateway
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from estudio.api.groups import GROUPS, RouteGroup, routers_of
from estudio.constants import OUTPUT_API_URL
from stacks.bundles import API_EPHEMERAL_MB, API_MEMORY_MB
from stacks.config import DeployConfig
from stacks.environment import allow_voice_keys, cloud_environment
from stacks.functions import FunctionFactory, FunctionSpec, retention
from stacks.nag import acknowledge
from stacks.storage import DataPlane

ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"method":"$context.httpMethod","path":"$context.path","status":"$context.status",'
    '"latencyMs":"$context.responseLatency","integrationError":"$context.integrationErrorMessage",'
    '"authorizerError":"$context.authorizer.error","tenant":"$context.authorizer.tenant"}'
)
# The studio API's: who is the verified token's subject (the JWT authorizer's claims).
STUDIO_ACCESS_LOG_FORMAT = ACCESS_LOG_FORMAT.replace(
    '"tenant":"$context.authorizer.tenant"', '"user":"$context.authorizer.claims.sub"'
)


API_PREFIX = "/v1"


def group_routes(group: RouteGroup) -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every route the group serves, as API Gateway names them."""
    routes: list[tuple[str, str]] = []
    for name, router in routers_of(group):
        prefix = "" if name == "web" else API_PREFIX
        for route in router.routes:
            for method in sorted(getattr(route, "methods", ()) or ()):
                if method != "HEAD":
                    routes.append((method, prefix + route.path))  # type: ignore[attr-defined]
    if group.static:
        routes.append(("GET", "/static/{proxy+}"))
    return routes


def studio_routes(group: RouteGroup) -> list[tuple[str, str]]:
    """The routes the studio API (behind CloudFront, people signed in) serves: every ``/v1``
    route of the group; the page, its assets and the local sign-in come from the site bucket or
    do not exist in the cloud."""
    routes: list[tuple[str, str]] = []
    for name, router in routers_of(group):
        if name == "web":
            continue
        for route in router.routes:
            for method in sorted(getattr(route, "methods", ()) or ()):
                if method != "HEAD":
                    routes.append((method, API_PREFIX + route.path))  # type: ignore[attr-defined]
    return routes


def add_group_routes(
    api: apigw.HttpApi,
    functions: Mapping[str, lambda_.IFunction],
    authorizer: apigw.IHttpRouteAuthorizer,
    routes_of: Callable[[RouteGroup], list[tuple[str, str]]],
) -> None:
    """Each cloud group's routes to its function; a public group's without an authorizer."""
    for group in GROUPS:
        if not group.cloud:
            continue
        integration = integrations.HttpLambdaIntegration(
            f"{group.name.title()}Routes", functions[group.name]
        )
        for method, path in routes_of(group):
            routes = api.add_routes(
                path=path,
                methods=[apigw.HttpMethod(method)],
                integration=integration,
                authorizer=apigw.HttpNoneAuthorizer() if group.public else authorizer,
            )
            if group.public:
                for route in routes:
                    acknowledge(route, "AwsSolutions-APIG4")


def logged_stage(
    scope: Construct, api: apigw.HttpApi, config: DeployConfig, log_format: str = ACCESS_LOG_FORMAT
) -> apigw.HttpStage:
    """The ``$default`` stage: deployed on change, throttled, with JSON access logs."""
    access_logs = logs.LogGroup(
        scope,
        "AccessLogs",
        retention=retention(config.log_retention_days),
        removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
    )
    return apigw.HttpStage(
        scope,
        "DefaultStage",
        http_api=api,
        stage_name="$default",
        auto_deploy=True,
        throttle=apigw.ThrottleSettings(
            rate_limit=config.api_rate_limit, burst_limit=config.api_burst_limit
        ),
        access_log_settings=_AccessLogs(access_logs, log_format),
    )


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogs:
    def __init__(self, log_group: logs.ILogGroup, log_format: str) -> None:
        self._destination = apigw.LogGroupLogDestination(log_group)
        self._format = log_format

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> aws_apigateway.AccessLogFormat:
        return aws_apigateway.AccessLogFormat.custom(self._format)


class ApiStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: DeployConfig,
        data: DataPlane,
        events_queue: sqs.IQueue,
        state_machine: sfn.IStateMachine,
        execution_control: iam.IManagedPolicy,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        factory = FunctionFactory(
            self,
            "Functions",
            config,
            cloud_environment(
                data,
                events_queue_url=events_queue.queue_url,
                state_machine_arn=state_machine.state_machine_arn,
            ),
        )
        self.functions: dict[str, lambda_.Function] = {}
        for group in GROUPS:
            if not group.cloud:
                continue  # signed local links: S3 presigned URLs serve them in the cloud
            fn = factory.function(
                self,
                f"Api{group.name.title()}",
                FunctionSpec(
                    "api",
                    f"The Estúdio HTTP API: {group.name} routes (FastAPI)",
                    memory_mb=API_MEMORY_MB.get(group.name, 1024),
                    timeout=Duration.seconds(29),
                    ephemeral_mb=API_EPHEMERAL_MB.get(group.name, 512),
                    bundle=f"api_{group.name}",
                ),
            )
            self.functions[group.name] = fn
        # Deleting blobs lists every bucket the blob store routes to (ListBucket on all three),
        # and deletes in those its prefixes fall in: only the groups that delete get
        # DeleteObject / DeleteItem beyond what their writes need.
        access = {
            "health": [],
            # Deck, parsed model and today's upload key live under projects/ in the artifacts
            # bucket: a policy for that prefix belongs with the bucket (Storage stack).
            # DELETE /v1/projects/{id} removes projects/{id}/ and uploads/{id}/.
            "projects": [data.table_rw, data.artifacts_rw, data.uploads_rw, data.outputs_read],
            "uploads": [data.table_rw, data.artifacts_rw, data.uploads_rw],
            # Reads the project and glossaries; the speech cache and the slide images are in
            # the artifacts bucket (cache/); nothing is deleted.
            "previews": [data.table_put, data.artifacts_rw],
            # DELETE /v1/renders/{id} stops the execution and removes jobs/{id}/ (outputs and
            # intermediates).
            "renders": [
                data.table_rw,
                data.artifacts_rw,
                data.outputs_rw,
                data.uploads_read,
                execution_control,
            ],
            "webhooks": [data.table_rw],
            "catalog": [data.table_put],  # the glossary is replaced, never deleted
            # Export (every blob of the tenant, the ZIP under exports/) and erasure (every item
            # kind, API keys last; running renders stopped).
            "tenant": [
                data.tenant_rw,
                data.artifacts_rw,
                data.outputs_rw,
                data.uploads_rw,
                execution_control,
            ],
        }
        for name, fn in self.functions.items():
            role = fn.role
            assert role is not None
            for policy in access[name]:
                role.add_managed_policy(policy)
        # The upload draws the slide images within the API's 29 s answer, or leaves them out.
        self.functions["uploads"].add_environment("ESTUDIO_SLIDES_UPLOAD_TIMEOUT_S", "18")
        for name in ("uploads", "renders", "webhooks"):  # deck.parsed, job events, replays
            events_queue.grant_send_messages(self.functions[name])
        allow_voice_keys(self.functions["catalog"], data)  # which providers have keys
        allow_voice_keys(self.functions["previews"], data)  # previews speak with them

        self.authorizer_function = factory.function(
            self,
            "Authorizer",
            FunctionSpec(
                "authorizer",
                "Check Bearer API keys",
                memory_mb=256,
                timeout=Duration.seconds(5),
            ),
        )
        self.authorizer_function.role.add_managed_policy(data.table_read)  # type: ignore[union-attr]
        authorizer = authorizers.HttpLambdaAuthorizer(
            "ApiKeys",
            self.authorizer_function,
            response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
            identity_source=["$request.header.Authorization"],
            results_cache_ttl=Duration.minutes(5),
        )
        self.api = apigw.HttpApi(
            self,
            "HttpApi",
            description=f"Estúdio API ({config.stage})",
            create_default_stage=False,
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=list(config.spa_origins) or ["http://localhost:5173"],
                allow_methods=[apigw.CorsHttpMethod.ANY],
                allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
                max_age=Duration.hours(1),
            ),
        )
        add_group_routes(self.api, self.functions, authorizer, group_routes)
        self.stage = logged_stage(self, self.api, config)
        CfnOutput(self, OUTPUT_API_URL, value=self.stage.url)
