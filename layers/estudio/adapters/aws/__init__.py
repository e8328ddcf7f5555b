"""The AWS implementations of ``estudio.ports``: S3, DynamoDB, Step Functions, SQS.

Each translates botocore errors into ``estudio.errors`` and behaves like its local twin in
``estudio.adapters.local`` (same keys, same errors).
"""

from estudio.adapters.aws.blobs import S3BlobStore
from estudio.adapters.aws.events import SqsEventSink
from estudio.adapters.aws.items import DynamoItemStore
from estudio.adapters.aws.orchestrator import StepFunctionsOrchestrator

__all__ = ["DynamoItemStore", "S3BlobStore", "SqsEventSink", "StepFunctionsOrchestrator"]
