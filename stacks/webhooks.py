"""Job events → SQS → the delivery Lambda → tenants' webhooks. Failures end in a DLQ."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from estudio.constants import OUTPUT_EVENTS_QUEUE_URL
from stacks.config import DeployConfig
from stacks.environment import cloud_environment
from stacks.functions import FunctionFactory, FunctionSpec
from stacks.storage import DataPlane

DELIVERY_TIMEOUT = Duration.seconds(60)
MAX_RECEIVES = 5


class WebhooksStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: DeployConfig,
        data: DataPlane,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        self.dead_letters = sqs.Queue(
            self,
            "EventsDlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.events = sqs.Queue(
            self,
            "Events",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # Six times the consumer's timeout, as Lambda's SQS event source recommends.
            visibility_timeout=Duration.seconds(DELIVERY_TIMEOUT.to_seconds() * 6),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letters, max_receive_count=MAX_RECEIVES
            ),
        )
        factory = FunctionFactory(
            self,
            "Functions",
            config,
            cloud_environment(data),
        )
        self.delivery = factory.function(
            self,
            "Delivery",
            FunctionSpec(
                name="webhooks",
                description="Deliver job events to tenants' webhooks",
                memory_mb=256,
                timeout=DELIVERY_TIMEOUT,
            ),
        )
        self.delivery.role.add_managed_policy(data.table_read)  # type: ignore[union-attr]
        self.delivery.add_event_source(
            sources.SqsEventSource(
                self.events,
                batch_size=10,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,
            )
        )
        CfnOutput(self, OUTPUT_EVENTS_QUEUE_URL, value=self.events.queue_url)
