"""Who may sign in: the Cognito user pool and its hosted-UI domain. Stateful (the users), so
retained, like the buckets; the app client lives in the Site stack, beside the distribution whose
address is its callback (ADR 0016).

People sign in with their e-mail address. Admins create users (no self sign-up unless the
``self_sign_up`` context says so) and set each one's tenant in ``custom:tenant``: the app client
reads it, and nothing a user holds can write it (the client's write attributes leave it out).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stacks.config import DeployConfig
from stacks.nag import acknowledge

TENANT_ATTRIBUTE = "tenant"  # ``custom:tenant`` in tokens and the Cognito API
TENANT_MAX_CHARS = 63  # estudio.api.keys.TENANT_PATTERN
OUTPUT_USER_POOL_ID = "UserPoolId"
OUTPUT_SIGN_IN_DOMAIN = "SignInDomain"


class IdentityStack(Stack):
    def __init__(
        self, scope: Construct, id: str, *, config: DeployConfig, **kwargs: object
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        plus = config.threat_protection
        self.user_pool = cognito.UserPool(
            self,
            "People",
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            self_sign_up_enabled=config.self_sign_up,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            custom_attributes={
                # Mutable so an admin can move a user; no app client may write it.
                TENANT_ATTRIBUTE: cognito.StringAttribute(
                    min_len=1, max_len=TENANT_MAX_CHARS, mutable=True
                )
            },
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            user_invitation=cognito.UserInvitationConfig(
                email_subject="Seu acesso ao Estúdio",
                email_body=(
                    "Olá! Seu usuário no Estúdio é {username} e a senha temporária é "
                    "{####}. Entre pelo endereço do Estúdio e troque a senha no primeiro acesso."
                ),
            ),
            feature_plan=cognito.FeaturePlan.PLUS if plus else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if plus else None
            ),
            deletion_protection=config.is_prod,
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(self.user_pool, "AwsSolutions-COG2")
        if not plus:
            acknowledge(self.user_pool, "AwsSolutions-COG8")
        self.domain = self.user_pool.add_domain(
            "HostedUi",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=config.sign_in_prefix),
        )
        CfnOutput(self, OUTPUT_USER_POOL_ID, value=self.user_pool.user_pool_id)
        CfnOutput(self, OUTPUT_SIGN_IN_DOMAIN, value=self.domain.base_url())
