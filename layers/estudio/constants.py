"""Names shared by the CDK app, the Lambda handlers and the AWS adapters.

Physical resource names are never hard-coded: CloudFormation generates them, and the stacks pass
them to the functions through the environment variables named here. Output keys are the
``CfnOutput`` ids a deploy script or an e2e test reads back.
"""

from __future__ import annotations

from typing import Final

# --- environment variables (set by the stacks, read once by ``CloudSettings``) -------------------
ENV_PREFIX: Final = "ESTUDIO_AWS_"
ENV_ARTIFACTS_BUCKET: Final = "ESTUDIO_AWS_ARTIFACTS_BUCKET"
ENV_OUTPUTS_BUCKET: Final = "ESTUDIO_AWS_OUTPUTS_BUCKET"
ENV_DROPBOX_BUCKET: Final = "ESTUDIO_AWS_DROPBOX_BUCKET"  # the tenant functions (export, erasure)
ENV_UPLOADS_BUCKET: Final = "ESTUDIO_AWS_UPLOADS_BUCKET"
ENV_TABLE: Final = "ESTUDIO_AWS_TABLE"
ENV_STATE_MACHINE_ARN: Final = "ESTUDIO_AWS_STATE_MACHINE_ARN"
ENV_EVENTS_QUEUE_URL: Final = "ESTUDIO_AWS_EVENTS_QUEUE_URL"
ENV_IDEMPOTENCY_TTL_S: Final = "ESTUDIO_AWS_IDEMPOTENCY_TTL_S"
# Days job and webhook-delivery items live (the table's TTL; SQLite hides and purges them).
ENV_RECORD_TTL_DAYS: Final = "ESTUDIO_AWS_RECORD_TTL_DAYS"
RECORD_TTL_DAYS: Final = 90
# The Secrets Manager secret holding the voice providers' keys (speak and API functions only).
ENV_VOICE_SECRET_ARN: Final = "ESTUDIO_AWS_VOICE_SECRET_ARN"

# --- single-table layout ------------------------------------------------------------------------
TABLE_PK: Final = "pk"
TABLE_SK: Final = "sk"
TABLE_TTL_ATTRIBUTE: Final = "expires_at"
TENANT_INDEX: Final = "tenant-index"  # kind#tenant, newest first: ItemStore.list
TENANT_INDEX_PK: Final = "gsi1pk"
TENANT_INDEX_SK: Final = "gsi1sk"
KIND_INDEX: Final = "kind-index"  # "{kind}#{shard}": ItemStore.find, never one hot partition
KIND_INDEX_PK: Final = "gsi2pk"
KIND_INDEX_SK: Final = "gsi2sk"
KIND_INDEX_SHARDS: Final = 16  # each kind's items spread over this many index partitions
# Kinds whose ``find`` is an exact index hit (the kind-index sort key holds "field=value");
# any other kind/field is a query of that kind's partition with a filter.
INDEXED_LOOKUPS: Final[dict[str, str]] = {"apikey": "hash"}
IDEMPOTENCY_PK_PREFIX: Final = "idempotency#"

# --- blob routing: key patterns that live outside the artifacts bucket --------------------------
OUTPUT_KEY_PATTERN: Final = "jobs/*/out/*"
UPLOAD_KEY_PATTERN: Final = "uploads/*"
DROPBOX_KEY_PATTERN: Final = "dropbox/*"
# Objects under these patterns are tagged so a lifecycle rule expires them (S3 lifecycle
# prefixes cannot hold wildcards, tags can be filtered on).
# Slide images, speech, segments and the narration are only the render's working material.
INTERMEDIATE_KEY_PATTERNS: Final = (
    "jobs/*/slides/*",
    "jobs/*/speech/*",
    "jobs/*/segments/*",
    "jobs/*/narration.m4a",
    "cache/*",
)
INTERMEDIATE_TAG_KEY: Final = "estudio-class"
INTERMEDIATE_TAG_VALUE: Final = "intermediate"
CACHE_PREFIX: Final = "cache/"

# --- the dropbox: drop ``dropbox/{tenant}/<name>.pptx`` and a render starts ----------------------
DROPBOX_PREFIX: Final = "dropbox/"
DROPBOX_SUFFIX: Final = ".pptx"
# ``name.json`` beside ``name.pptx``: render options; results go to ``…/outgoing/name/``.
DROPBOX_SIDECAR_SUFFIX: Final = ".json"
DROPBOX_OUTGOING: Final = "outgoing"
DROPBOX_ERROR_FILE: Final = "error.json"  # what a refused or failed drop gets in outgoing/name/

# --- API keys (the authorizer's lookup; the records are ``estudio.api.keys``') ------------------
API_KEY_KIND: Final = "apikey"
API_KEY_HASH_FIELD: Final = "hash"
BEARER_PREFIX: Final = "Bearer "

# --- names inside the stacks --------------------------------------------------------------------
APP_NAME: Final = "Estudio"
DEFAULT_STAGE: Final = "dev"
PROD_STAGES: Final = frozenset({"prod", "production"})
BATCH_EVENTS_RULE: Final = "StepFunctionsGetEventsForBatchJobsRule"
RENDER_CONTAINER_COMMAND: Final = "render-scene"
NVIDIA_DRIVER_CAPABILITIES: Final = "compute,utility,video"
GPU_INSTANCE_CLASSES: Final = ("g4dn", "g5", "g6")

# --- CfnOutput ids ------------------------------------------------------------------------------
OUTPUT_API_URL: Final = "ApiUrl"
OUTPUT_ARTIFACTS_BUCKET: Final = "ArtifactsBucketName"
OUTPUT_OUTPUTS_BUCKET: Final = "OutputsBucketName"
OUTPUT_UPLOADS_BUCKET: Final = "UploadsBucketName"
OUTPUT_DROPBOX_BUCKET: Final = "DropboxBucketName"
OUTPUT_TABLE: Final = "TableName"
OUTPUT_STATE_MACHINE_ARN: Final = "StateMachineArn"
OUTPUT_JOB_QUEUE_ARN: Final = "RenderJobQueueArn"
OUTPUT_EVENTS_QUEUE_URL: Final = "EventsQueueUrl"
OUTPUT_VOICE_SECRET_ARN: Final = "VoiceKeysSecretArn"
OUTPUT_ALARM_TOPIC_ARN: Final = "AlarmTopicArn"
