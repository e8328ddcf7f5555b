"""Stateful resources: the buckets and the single table. Retained in production."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from estudio.constants import (
    CACHE_PREFIX,
    DROPBOX_OUTGOING,
    DROPBOX_PREFIX,
    INTERMEDIATE_TAG_KEY,
    INTERMEDIATE_TAG_VALUE,
    KIND_INDEX,
    KIND_INDEX_PK,
    KIND_INDEX_SK,
    OUTPUT_ARTIFACTS_BUCKET,
    OUTPUT_DROPBOX_BUCKET,
    OUTPUT_OUTPUTS_BUCKET,
    OUTPUT_TABLE,
    OUTPUT_UPLOADS_BUCKET,
    OUTPUT_VOICE_SECRET_ARN,
    TABLE_PK,
    TABLE_SK,
    TABLE_TTL_ATTRIBUTE,
    TENANT_INDEX,
    TENANT_INDEX_PK,
    TENANT_INDEX_SK,
)
from stacks.access import (
    API_KEY_KINDS,
    API_KINDS,
    STAGE_ACCESS,
    TENANT_MARKER_KINDS,
    bucket_policy,
    objects_write_policy,
    secret_read_policy,
    stage_policy,
    table_policy,
)
from stacks.config import DeployConfig
from stacks.nag import acknowledge

CACHE_DAYS = 30
UPLOAD_DAYS = 2
NONCURRENT_DAYS = 7


@dataclass(frozen=True)
class DataPlane:
    """What stateless stacks receive: the stores and the policies that open them."""

    artifacts: s3.IBucket
    outputs: s3.IBucket
    uploads: s3.IBucket
    dropbox: s3.IBucket
    table: dynamodb.ITable
    artifacts_rw: iam.IManagedPolicy
    outputs_rw: iam.IManagedPolicy
    uploads_rw: iam.IManagedPolicy
    dropbox_read: iam.IManagedPolicy
    table_rw: iam.IManagedPolicy
    table_read: iam.IManagedPolicy
    # Added for the events consumer (dropbox results) and the voice keys.
    voice_keys: secretsmanager.ISecret
    voice_keys_read: iam.IManagedPolicy
    outputs_read: iam.IManagedPolicy
    # Added for the API's groups that delete (blobs are listed in every bucket) and the
    # tenant's erasure, which also deletes the tenant's API keys, last.
    uploads_read: iam.IManagedPolicy
    tenant_rw: iam.IManagedPolicy
    table_put: iam.IManagedPolicy
    dropbox_outgoing_write: iam.IManagedPolicy
    # The tenant's export and erasure: its own dropbox folder, read and deleted (every version).
    dropbox_rw: iam.IManagedPolicy
    # Per stage (``stacks.access.STAGE_ACCESS``): exactly the keys and items it touches.
    stage_access: dict[str, iam.IManagedPolicy]


class StorageStack(Stack):
    def __init__(
        self, scope: Construct, id: str, *, config: DeployConfig, **kwargs: object
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        self.config = config
        removal = RemovalPolicy.RETAIN  # buckets keep customer data, in every stage

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=Duration.days(90))],
            removal_policy=removal,
        )
        self.uploads = self._bucket(
            "Uploads",
            "uploads/",
            lifecycle=[
                s3.LifecycleRule(
                    id="expire-uploads",
                    expiration=Duration.days(UPLOAD_DAYS),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.PUT],
                    allowed_origins=list(config.spa_origins) or ["*"],
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ],
        )
        self.dropbox = self._bucket(
            "Dropbox",
            "dropbox/",
            lifecycle=[
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
        )
        self.artifacts = self._bucket(
            "Artifacts",
            "artifacts/",
            lifecycle=[
                s3.LifecycleRule(
                    id="expire-intermediates",
                    tag_filters={INTERMEDIATE_TAG_KEY: INTERMEDIATE_TAG_VALUE},
                    # Slide images, speech, segments (tagged by the blob store: their keys
                    # hold the job id, which a lifecycle prefix cannot skip over).
                    expiration=Duration.days(config.intermediate_days),
                    noncurrent_version_expiration=Duration.days(1),
                ),
                s3.LifecycleRule(
                    id="expire-cache", prefix=CACHE_PREFIX, expiration=Duration.days(CACHE_DAYS)
                ),
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
        )
        self.outputs = self._bucket(
            "Outputs",
            "outputs/",
            lifecycle=[
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.GET],
                    allowed_origins=list(config.spa_origins) or ["*"],
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ],
        )

        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=TABLE_PK, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=TABLE_SK, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=TABLE_TTL_ATTRIBUTE,
            deletion_protection=config.is_prod,
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        for name, pk, sk in (
            (TENANT_INDEX, TENANT_INDEX_PK, TENANT_INDEX_SK),
            (KIND_INDEX, KIND_INDEX_PK, KIND_INDEX_SK),
        ):
            self.table.add_global_secondary_index(
                index_name=name,
                partition_key=dynamodb.Attribute(name=pk, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=sk, type=dynamodb.AttributeType.STRING),
                projection_type=dynamodb.ProjectionType.ALL,
            )

        # "Object Created" events to EventBridge, set natively (no custom resource Lambda).
        dropbox_cfn = self.dropbox.node.default_child
        assert isinstance(dropbox_cfn, s3.CfnBucket)
        dropbox_cfn.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
        )

        # The voice providers' keys, as JSON. The operator sets the value after the deploy
        # (docs/deploy.md); until then it holds an empty object and only espeak-ng speaks.
        self.voice_keys = secretsmanager.Secret(
            self,
            "VoiceKeys",
            description=(
                "Voice provider keys as JSON: ELEVENLABS_API_KEY, AZURE_SPEECH_KEY, "
                "AZURE_SPEECH_REGION (set by the operator)"
            ),
            secret_object_value={},
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        acknowledge(self.voice_keys, "AwsSolutions-SMG4")

        indexes = [TENANT_INDEX, KIND_INDEX]
        self.data = DataPlane(
            artifacts=self.artifacts,
            outputs=self.outputs,
            uploads=self.uploads,
            dropbox=self.dropbox,
            table=self.table,
            artifacts_rw=bucket_policy(self, "ArtifactsReadWrite", self.artifacts, write=True),
            outputs_rw=bucket_policy(self, "OutputsReadWrite", self.outputs, write=True),
            uploads_rw=bucket_policy(self, "UploadsReadWrite", self.uploads, write=True),
            dropbox_read=bucket_policy(
                self, "DropboxRead", self.dropbox, write=False, prefix=DROPBOX_PREFIX
            ),
            # The API: every kind but API keys, which it only reads (to check a caller's key).
            table_rw=table_policy(
                self, "TableReadWrite", self.table, indexes, write=True, read_only=API_KEY_KINDS
            ),
            # The API groups that never delete an item (the catalog: voices, glossary).
            table_put=table_policy(
                self,
                "TableWriteNoDelete",
                self.table,
                indexes,
                write=True,
                read_only=API_KEY_KINDS,
                deletes=False,
            ),
            # The authorizer: API keys, read only.
            table_read=table_policy(
                self, "TableRead", self.table, indexes, write=False, kinds=API_KEY_KINDS
            ),
            voice_keys=self.voice_keys,
            voice_keys_read=secret_read_policy(self, "VoiceKeysRead", self.voice_keys),
            outputs_read=bucket_policy(self, "OutputsRead", self.outputs, write=False),
            uploads_read=bucket_policy(self, "UploadsRead", self.uploads, write=False),
            tenant_rw=table_policy(
                self,
                "TenantReadWrite",
                self.table,
                indexes,
                write=True,
                kinds=(*API_KINDS, *API_KEY_KINDS, *TENANT_MARKER_KINDS),
            ),
            dropbox_rw=bucket_policy(
                self, "DropboxReadWrite", self.dropbox, write=True, prefix=DROPBOX_PREFIX
            ),
            dropbox_outgoing_write=objects_write_policy(
                self,
                "DropboxOutgoingWrite",
                self.dropbox,
                f"{DROPBOX_PREFIX}*/{DROPBOX_OUTGOING}/*",
                (
                    "A dropbox job's results go beside its deck, under any tenant's and folder's "
                    "outgoing/ (unknown before the deck arrives); nothing else in the bucket "
                    "can be written."
                ),
            ),
            stage_access={
                name: stage_policy(
                    self,
                    f"Stage{name.title().replace('_', '')}Access",
                    name,
                    self.artifacts,
                    self.outputs,
                    self.table,
                )
                for name in STAGE_ACCESS
            },
        )

        for key, value in (
            (OUTPUT_UPLOADS_BUCKET, self.uploads.bucket_name),
            (OUTPUT_DROPBOX_BUCKET, self.dropbox.bucket_name),
            (OUTPUT_ARTIFACTS_BUCKET, self.artifacts.bucket_name),
            (OUTPUT_OUTPUTS_BUCKET, self.outputs.bucket_name),
            (OUTPUT_TABLE, self.table.table_name),
            (OUTPUT_VOICE_SECRET_ARN, self.voice_keys.secret_arn),
        ):
            CfnOutput(self, key, value=value)

    def _bucket(
        self,
        id: str,
        log_prefix: str,
        lifecycle: list[s3.LifecycleRule],
        cors: list[s3.CorsRule] | None = None,
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=log_prefix,
            lifecycle_rules=lifecycle,
            cors=cors,
            removal_policy=RemovalPolicy.RETAIN,
        )
