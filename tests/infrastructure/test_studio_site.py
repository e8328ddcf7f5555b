"""The studio in the cloud, asserted on the synthesized templates: the app on S3 behind
CloudFront (origin access control, ``/v1/*`` to the studio API on the same origin), the Cognito
user pool and app client, and the studio API's JWT authorizer in front of the same functions."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest
from aws_cdk.assertions import Template

from estudio.api.groups import GROUPS
from estudio.api.guard import CSP
from stacks.api import group_routes, studio_routes
from stacks.site import OUTPUT_SIGN_IN_URL, OUTPUT_SITE_URL, SPA_FALLBACK
from tests.infrastructure.assembly import PROJECT_ROOT, Assembly, synthesized

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS managed cache policy
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AWS managed request policy
STATIC = PROJECT_ROOT / "layers" / "estudio" / "api" / "static"
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return synthesized()


def _one(assembly: Assembly, stack: str, type_: str) -> tuple[str, dict[str, Any]]:
    found = assembly.resources(stack, type_)
    assert len(found) == 1, (type_, list(found))
    logical_id, resource = next(iter(found.items()))
    return logical_id, resource["Properties"]


def _logical_id(assembly: Assembly, stack: str, type_: str, prefix: str) -> str:
    ids = [k for k in assembly.resources(stack, type_) if re.fullmatch(prefix + "[0-9A-F]{8}", k)]
    assert len(ids) == 1, (prefix, ids)
    return ids[0]


def _config(assembly: Assembly) -> dict[str, Any]:
    return dict(_one(assembly, "Site", "AWS::CloudFront::Distribution")[1]["DistributionConfig"])


# --- the distribution ---------------------------------------------------------------------------
def test_given_the_site_then_the_bucket_is_reached_through_origin_access_control_only(
    assembly: Assembly,
) -> None:
    config = _config(assembly)
    site = _logical_id(assembly, "Site", "AWS::S3::Bucket", "Site")
    s3_origins = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert len(s3_origins) == 1
    origin = s3_origins[0]
    assert origin["DomainName"] == {"Fn::GetAtt": [site, "RegionalDomainName"]}
    assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""  # no OAI
    oac_id, oac = _one(assembly, "Site", "AWS::CloudFront::OriginAccessControl")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    signing = oac["OriginAccessControlConfig"]
    assert (signing["OriginAccessControlOriginType"], signing["SigningBehavior"]) == (
        "s3",
        "always",
    )
    assert signing["SigningProtocol"] == "sigv4"
    assert not assembly.resources("Site", "AWS::CloudFront::CloudFrontOriginAccessIdentity")
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["Logging"]["Prefix"] == "cloudfront/"


def test_given_the_site_bucket_then_it_is_private_versioned_tls_only_and_read_by_the_cdn_alone(
    assembly: Assembly,
) -> None:
    template = Template.from_json(assembly.template("Site"))
    site = _logical_id(assembly, "Site", "AWS::S3::Bucket", "Site")
    distribution = _one(assembly, "Site", "AWS::CloudFront::Distribution")[0]
    bucket = assembly.resources("Site", "AWS::S3::Bucket")[site]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "site/"

    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in assembly.resources("Site", "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": site}
    ]
    assert len(policies) == 1
    allows = [s for s in policies[0] if s["Effect"] == "Allow"]
    denies = [s for s in policies[0] if s["Effect"] == "Deny"]
    assert len(allows) == 1
    allow = allows[0]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source = json.dumps(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert f'"Ref": "{distribution}"' in source and ":distribution/" in source
    assert [d["Condition"] for d in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]
    template.resource_count_is("AWS::CloudFront::Distribution", 1)


def test_given_the_distribution_then_v1_goes_to_the_studio_api_uncached_with_authorization(
    assembly: Assembly,
) -> None:
    config = _config(assembly)
    studio_api = _one(assembly, "Site", "AWS::ApiGatewayV2::Api")[0]
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(behaviours) == {"/v1/*"}
    api = behaviours["/v1/*"]
    assert set(api["AllowedMethods"]) == ALL_METHODS
    assert api["CachePolicyId"] == CACHING_DISABLED
    # Every viewer header but Host (Authorization included, allowed with caching disabled),
    # every query string and cookie: API Gateway must see its own host name.
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert "FunctionAssociations" not in api  # no SPA rewrite on the API
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    assert studio_api in json.dumps(origin["DomainName"]) and "ApiEndpoint" in json.dumps(
        origin["DomainName"]
    )
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    # No distribution-wide error pages: they would turn the API's 403/404 into index.html.
    assert "CustomErrorResponses" not in config


def test_given_the_app_routes_function_then_only_extension_less_paths_outside_v1_become_index(
    assembly: Assembly,
) -> None:
    node = shutil.which("node")
    assert node is not None  # CDK synthesis itself runs on node
    function = _one(assembly, "Site", "AWS::CloudFront::Function")[1]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["FunctionCode"] == SPA_FALLBACK
    uris = ["/", "/projects/prj_1", "/static/app.js", "/config.json", "/v1/projects", "/v1"]
    script = (
        SPA_FALLBACK
        + "const uris = "
        + json.dumps(uris)
        + ";\nconsole.log(JSON.stringify(uris.map(u => handler({request: {uri: u}}).uri)));\n"
    )
    result = subprocess.run(
        [node, "-e", script], capture_output=True, text=True, check=True, timeout=30
    )
    assert json.loads(result.stdout) == [
        "/index.html",
        "/index.html",
        "/static/app.js",
        "/config.json",
        "/v1/projects",
        "/v1",
    ]
    default = _config(assembly)["DefaultCacheBehavior"]
    assert [a["EventType"] for a in default["FunctionAssociations"]] == ["viewer-request"]


def test_given_the_security_headers_then_they_are_the_local_ones_with_the_sign_in_host_added(
    assembly: Assembly,
) -> None:
    policy_id, policy = _one(assembly, "Site", "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = json.dumps(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    for directive in CSP.split("; "):
        name = directive.split()[0]
        if name == "connect-src":
            assert "connect-src 'self' https://" in csp
            assert ".amazoncognito.com" in csp  # the hosted UI's token endpoint
        else:
            assert directive in csp, directive
    assert "'unsafe-inline'" not in csp
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    config = _config(assembly)
    for behaviour in (config["DefaultCacheBehavior"], *config["CacheBehaviors"]):
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": policy_id}


def test_given_the_app_deployment_then_static_holds_the_folder_and_the_root_its_page_and_config(
    assembly: Assembly,
) -> None:
    deployments = {
        d["Properties"].get("DestinationBucketKeyPrefix", ""): d["Properties"]
        for d in assembly.resources("Site", "Custom::CDKBucketDeployment").values()
    }
    assert set(deployments) == {"", "static/"}
    site = _logical_id(assembly, "Site", "AWS::S3::Bucket", "Site")
    client = _one(assembly, "Site", "AWS::Cognito::UserPoolClient")[0]
    assets, root = deployments["static/"], deployments[""]
    for deployment in (assets, root):
        assert deployment["DestinationBucketName"] == {"Ref": site}
    (folder,) = (
        assembly.outdir / f"asset.{k.removesuffix('.zip')}" for k in assets["SourceObjectKeys"]
    )
    assert {p.name for p in folder.iterdir()} == {p.name for p in STATIC.iterdir()}
    assert assets["Prune"] is True and "DistributionId" not in assets
    # The root: index.html and config.json only, pruning nothing (static/ is the assets'),
    # then one invalidation of everything.
    assert root["Prune"] is False
    assert root["DistributionPaths"] == ["/*"]
    page, config_json = (
        assembly.outdir / f"asset.{k.removesuffix('.zip')}" for k in root["SourceObjectKeys"]
    )
    index = STATIC / "index.html"
    assert (page / "index.html").read_bytes() == index.read_bytes()
    markers = root["SourceMarkers"][1]
    text = (config_json / "config.json").read_text()
    for marker in markers:  # replaced at deploy by the value, JSON-quoted (the Fn::Join's quotes)
        text = text.replace(marker, json.dumps(marker))
    written = json.loads(text)
    assert written["api"] == "/v1"
    auth = written["auth"]
    assert auth["kind"] == "cognito"
    assert auth["redirect_path"] == "/"
    assert auth["scopes"] == ["openid", "email", "profile"]
    assert auth["domain"] in markers and auth["client_id"] in markers  # filled at deploy
    assert ".amazoncognito.com" in json.dumps(markers[auth["domain"]])
    assert markers[auth["client_id"]] == {"Fn::Join": ["", ['"', {"Ref": client}, '"']]}
    root_id = next(
        k
        for k, d in assembly.resources("Site", "Custom::CDKBucketDeployment").items()
        if "DestinationBucketKeyPrefix" not in d["Properties"]
    )
    depends = assembly.resources("Site", "Custom::CDKBucketDeployment")[root_id]["DependsOn"]
    assert any(d.startswith("AppAssets") for d in depends)  # invalidated after both


# --- sign-in ------------------------------------------------------------------------------------
def test_given_the_user_pool_then_admins_create_users_by_email_with_a_strong_password(
    assembly: Assembly,
) -> None:
    _, pool = _one(assembly, "Identity", "AWS::Cognito::UserPool")
    resource = next(iter(assembly.resources("Identity", "AWS::Cognito::UserPool").values()))
    assert resource["DeletionPolicy"] == "Retain"
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    password = pool["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(
        password[k]
        for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    tenant = [a for a in pool["Schema"] if a["Name"] == "tenant"]
    assert tenant == [
        {
            "AttributeDataType": "String",
            "Mutable": True,
            "Name": "tenant",
            "StringAttributeConstraints": {"MaxLength": "63", "MinLength": "1"},
        }
    ]
    domain = _one(assembly, "Identity", "AWS::Cognito::UserPoolDomain")[1]
    assert domain["Domain"] == "estudio-test"


def test_given_the_app_client_then_it_is_public_pkce_code_flow_and_cannot_write_the_tenant(
    assembly: Assembly,
) -> None:
    _, client = _one(assembly, "Site", "AWS::Cognito::UserPoolClient")
    distribution = _one(assembly, "Site", "AWS::CloudFront::Distribution")[0]
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    site = {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}, "/"]]}
    assert client["CallbackURLs"] == [site]
    assert client["LogoutURLs"] == [site]
    assert "custom:tenant" in client["ReadAttributes"]
    assert "custom:tenant" not in client["WriteAttributes"]
    assert not any(a.startswith("custom:") for a in client["WriteAttributes"])
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert "ALLOW_USER_PASSWORD_AUTH" not in client["ExplicitAuthFlows"]


def test_given_the_studio_api_then_its_jwt_authorizer_trusts_this_pool_for_this_client(
    assembly: Assembly,
) -> None:
    _, authorizer = _one(assembly, "Site", "AWS::ApiGatewayV2::Authorizer")
    client = _one(assembly, "Site", "AWS::Cognito::UserPoolClient")[0]
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    jwt = authorizer["JwtConfiguration"]
    assert jwt["Audience"] == [{"Ref": client}]
    issuer = jwt["Issuer"]["Fn::Join"][1]
    assert issuer[0] == "https://cognito-idp."
    assert issuer[-2] == "/" and "Fn::ImportValue" in issuer[-1]
    assert "Identity" in issuer[-1]["Fn::ImportValue"]  # the Identity stack's pool id
    pool = next(iter(assembly.resources("Identity", "AWS::Cognito::UserPool")))
    exports = {
        o["Export"]["Name"]: o["Value"]
        for o in assembly.template("Identity")["Outputs"].values()
        if "Export" in o
    }
    assert exports[issuer[-1]["Fn::ImportValue"]] == {"Ref": pool}


def _routes(assembly: Assembly, stack: str) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in assembly.resources(stack, "AWS::ApiGatewayV2::Route").values()
    }


def _function_of(assembly: Assembly, stack: str, route: dict[str, Any]) -> str:
    """The Api stack function (logical id) a route's integration invokes."""
    target = route["Target"]["Fn::Join"][1][1]["Ref"]
    integration = assembly.resources(stack, "AWS::ApiGatewayV2::Integration")[target]
    uri = json.dumps(integration["Properties"]["IntegrationUri"])
    if stack == "Api":
        return json.loads(uri)["Fn::GetAtt"][0]
    exports = {
        o["Export"]["Name"]: o["Value"]
        for o in assembly.template("Api")["Outputs"].values()
        if "Export" in o
    }
    value = exports[json.loads(uri)["Fn::ImportValue"]]
    return str(value["Fn::GetAtt"][0])


def test_given_both_apis_then_every_v1_route_reaches_the_same_function_on_each(
    assembly: Assembly,
) -> None:
    partner, studio = _routes(assembly, "Api"), _routes(assembly, "Site")
    jwt = _one(assembly, "Site", "AWS::ApiGatewayV2::Authorizer")[0]
    expected_studio = {f"{m} {p}" for g in GROUPS if g.cloud for m, p in studio_routes(g)}
    assert set(studio) == expected_studio
    assert expected_studio <= {f"{m} {p}" for g in GROUPS if g.cloud for m, p in group_routes(g)}
    assert {"GET /v1/projects", "POST /v1/projects/{project_id}/renders"} <= set(studio)
    assert not any(key in studio for key in ("GET /", "GET /static/{proxy+}"))
    public = {f"{m} {p}" for g in GROUPS if g.cloud and g.public for m, p in group_routes(g)}
    for key, route in studio.items():
        if key in public:
            assert route["AuthorizationType"] == "NONE", key
        else:
            assert route["AuthorizationType"] == "JWT", key
            assert route["AuthorizerId"] == {"Ref": jwt}, key
        assert partner[key]["AuthorizationType"] == ("NONE" if key in public else "CUSTOM")
        assert _function_of(assembly, "Site", route) == _function_of(
            assembly, "Api", partner[key]
        ), key


def test_given_the_studio_api_then_its_functions_may_be_invoked_by_it_and_its_stage_logs(
    assembly: Assembly,
) -> None:
    api = _one(assembly, "Site", "AWS::ApiGatewayV2::Api")[0]
    permissions = assembly.resources("Site", "AWS::Lambda::Permission").values()
    assert len(permissions) == len(_routes(assembly, "Site"))
    for permission in permissions:
        props = permission["Properties"]
        assert props["Principal"] == "apigateway.amazonaws.com"
        assert f'"Ref": "{api}"' in json.dumps(props["SourceArn"])
    stage = _one(assembly, "Site", "AWS::ApiGatewayV2::Stage")[1]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    assert "DestinationArn" in stage["AccessLogSettings"]
    assert '"user":"$context.authorizer.claims.sub"' in stage["AccessLogSettings"]["Format"]
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0


def test_given_the_outputs_then_people_find_the_site_and_its_sign_in(assembly: Assembly) -> None:
    outputs = assembly.template("Site")["Outputs"]
    assert {OUTPUT_SITE_URL, OUTPUT_SIGN_IN_URL} <= set(outputs)
    sign_in = json.dumps(outputs[OUTPUT_SIGN_IN_URL]["Value"])
    assert "/login?client_id=" in sign_in and "response_type=code" in sign_in
    alarms = assembly.resources("Monitoring", "AWS::CloudWatch::Alarm").values()
    studio = [
        a["Properties"]
        for a in alarms
        if a["Properties"].get("AlarmDescription", "").startswith("The studio API")
    ]
    assert {a["MetricName"] for a in studio} == {"5xx", "Latency"}
    for alarm in studio:
        assert "Fn::ImportValue" in json.dumps(alarm["Dimensions"])  # the Site stack's API
