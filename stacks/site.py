"""The studio in the cloud: the app's static files in a private bucket behind CloudFront, and the
API on the same origin under ``/v1/*`` — a second HTTP API ("studio") whose routes reach the same
route-group functions as the partner API, with a Cognito JWT authorizer (ADR 0016).

One CloudFront distribution, two behaviours:

- default (``/``, ``/static/…``, ``/config.json``): the site bucket through origin access control,
  cached, a viewer-request function that serves ``index.html`` for extension-less paths (the app's
  own routes) — never on ``/v1/*``, so an API 403/404 reaches the app as it is;
- ``/v1/*``: the studio HTTP API, caching disabled, every method, every viewer header but
  ``Host`` (``Authorization`` included: allowed when caching is disabled), query strings.

Both answer with the security headers of the local server (``estudio.api.guard``), the CSP
widened only by what the cloud app must reach: the hosted UI's token endpoint and the buckets
that presigned upload and download links point at.

The app client lives here, not in the Identity stack: its callback is this distribution's
address, and the JWT authorizer's audience is the client.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from estudio.api.guard import CSP
from stacks.api import (
    API_PREFIX,
    STUDIO_ACCESS_LOG_FORMAT,
    add_group_routes,
    logged_stage,
    studio_routes,
)
from stacks.config import DeployConfig
from stacks.functions import retention
from stacks.identity import TENANT_ATTRIBUTE
from stacks.nag import acknowledge, acknowledge_site_deployment
from stacks.storage import NONCURRENT_DAYS, DataPlane

STATIC_DIR = ("layers", "estudio", "api", "static")
STATIC_PREFIX = "static/"  # the app loads its modules and styles from /static/...
SCOPES = ("openid", "email", "profile")
OUTPUT_SITE_URL = "SiteUrl"
OUTPUT_SIGN_IN_URL = "SignInUrl"
OUTPUT_STUDIO_API_URL = "StudioApiUrl"
OUTPUT_CLIENT_ID = "UserPoolClientId"
OUTPUT_SITE_BUCKET = "SiteBucketName"

# The app's own routes (``/projects/prj_…``) are index.html; files (a dot in the last segment)
# and the API are what they are. cloudfront-js-2.0.
SPA_FALLBACK = """function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === "/v1" || uri.indexOf("/v1/") === 0) {
    return request;
  }
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
"""


def site_csp(connect: list[str]) -> str:
    """The local server's CSP with ``connect-src`` widened to ``connect`` (origins)."""
    directives = [part.strip() for part in CSP.split(";") if part.strip()]
    widened = [" ".join([d, *connect]) if d.split()[0] == "connect-src" else d for d in directives]
    return "; ".join(widened)


def bucket_origins(bucket: s3.IBucket) -> list[str]:
    """Where a presigned link to ``bucket`` points (virtual-hosted; us-east-1 has no region)."""
    return [
        f"https://{bucket.bucket_name}.s3.{Aws.REGION}.{Aws.URL_SUFFIX}",
        f"https://{bucket.bucket_name}.s3.{Aws.URL_SUFFIX}",
    ]


class SiteStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: DeployConfig,
        data: DataPlane,
        functions: Mapping[str, lambda_.IFunction],
        user_pool: cognito.IUserPool,
        sign_in: cognito.UserPoolDomain,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        self.logs = s3.Bucket(
            self,
            "SiteLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # CloudFront's standard logs are written with an ACL grant.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=Duration.days(90))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket = s3.Bucket(
            self,
            "Site",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="site/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,  # as every bucket (docs/deploy.md, Rollback)
        )

        # The studio API: the same functions, people's tokens checked by API Gateway.
        self.api = apigw.HttpApi(
            self,
            "StudioApi",
            description=f"Estúdio studio API, behind the site's CloudFront ({config.stage})",
            create_default_stage=False,
        )
        api_domain = Fn.select(2, Fn.split("/", self.api.api_endpoint))
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Estúdio studio ({config.stage})",
            default_root_object="index.html",
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_ALL,  # South America edges
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self._security_headers(config, data, sign_in),
                function_associations=[
                    cloudfront.FunctionAssociation(
                        event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                        function=cloudfront.Function(
                            self,
                            "AppRoutes",
                            comment="The app's routes are index.html; /v1 and files are not",
                            code=cloudfront.FunctionCode.from_inline(SPA_FALLBACK),
                            runtime=cloudfront.FunctionRuntime.JS_2_0,
                        ),
                    )
                ],
            ),
            additional_behaviors={
                f"{API_PREFIX}/*": cloudfront.BehaviorOptions(
                    origin=origins.HttpOrigin(
                        api_domain,
                        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                        origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                        read_timeout=Duration.seconds(30),
                    ),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=(
                        cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
                    ),
                    response_headers_policy=self._headers,
                )
            },
        )
        acknowledge(
            self.distribution, "AwsSolutions-CFR1", "AwsSolutions-CFR2", "AwsSolutions-CFR4"
        )
        self.site_url = f"https://{self.distribution.distribution_domain_name}"

        self.client = cognito.UserPoolClient(
            self,
            "AppClient",
            user_pool=user_pool,
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.EMAIL,
                    cognito.OAuthScope.PROFILE,
                ],
                callback_urls=[f"{self.site_url}/"],
                logout_urls=[f"{self.site_url}/"],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes(TENANT_ATTRIBUTE),
            # Never custom:tenant: only an admin (the Cognito admin API) sets a user's tenant.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(
                email=True, fullname=True
            ),
        )
        jwt = authorizers.HttpJwtAuthorizer(
            "People",
            f"https://cognito-idp.{Aws.REGION}.{Aws.URL_SUFFIX}/{user_pool.user_pool_id}",
            jwt_audience=[self.client.user_pool_client_id],
            identity_source=["$request.header.Authorization"],
        )
        add_group_routes(self.api, functions, jwt, studio_routes)
        self.stage = logged_stage(self, self.api, config, STUDIO_ACCESS_LOG_FORMAT)

        # As ``estudio serve`` serves them: the folder under /static/, its index.html at / too,
        # and config.json beside it (contract 3). Two copies of one folder, so two deployments:
        # the assets (pruned under static/), then the page and config (nothing else pruned),
        # which invalidates the distribution once both are in.
        static = config.project_root.joinpath(*STATIC_DIR)
        no_cache = [
            s3deploy.CacheControl.set_public(),
            s3deploy.CacheControl.max_age(Duration.seconds(0)),
            s3deploy.CacheControl.must_revalidate(),
            s3deploy.CacheControl.s_max_age(Duration.days(1)),
        ]  # no hashed file names: browsers revalidate, the edge keeps a day, deploys invalidate
        deploy_logs = logs.LogGroup(
            self,
            "AppDeploymentLogs",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.assets = s3deploy.BucketDeployment(
            self,
            "AppAssets",
            destination_bucket=self.bucket,
            destination_key_prefix=STATIC_PREFIX,
            sources=[s3deploy.Source.asset(str(static))],
            cache_control=no_cache,
            memory_limit=256,
            log_group=deploy_logs,
        )
        self.deployment = s3deploy.BucketDeployment(
            self,
            "App",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.data(
                    "index.html", (static / "index.html").read_text(encoding="utf-8")
                ),
                s3deploy.Source.json_data("config.json", self.app_config(sign_in)),
            ],
            prune=False,  # static/ belongs to the assets deployment
            cache_control=no_cache,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            log_group=deploy_logs,
        )
        self.deployment.node.add_dependency(self.assets)
        for deployment in (self.assets, self.deployment):
            acknowledge_site_deployment(self, deployment, self.bucket)

        sign_in_url = sign_in.sign_in_url(self.client, redirect_uri=f"{self.site_url}/")
        for key, value in (
            (OUTPUT_SITE_URL, self.site_url),
            (OUTPUT_SIGN_IN_URL, sign_in_url),
            (OUTPUT_STUDIO_API_URL, self.stage.url),
            (OUTPUT_CLIENT_ID, self.client.user_pool_client_id),
            (OUTPUT_SITE_BUCKET, self.bucket.bucket_name),
        ):
            CfnOutput(self, key, value=value)

    def app_config(self, sign_in: cognito.UserPoolDomain) -> dict[str, object]:
        """``/config.json`` in the cloud (contract 3): the API on this origin, the hosted UI."""
        return {
            "api": API_PREFIX,
            "auth": {
                "kind": "cognito",
                "domain": sign_in.base_url(),
                "client_id": self.client.user_pool_client_id,
                "redirect_path": "/",
                "scopes": list(SCOPES),
            },
        }

    def _security_headers(
        self, config: DeployConfig, data: DataPlane, sign_in: cognito.UserPoolDomain
    ) -> cloudfront.ResponseHeadersPolicy:
        connect = [sign_in.base_url(), *bucket_origins(data.uploads), *bucket_origins(data.outputs)]
        self._headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment=f"Estúdio studio security headers ({config.stage})",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=site_csp(connect), override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730),
                    include_subdomains=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Cross-Origin-Opener-Policy", value="same-origin", override=True
                    )
                ]
            ),
        )
        return self._headers
