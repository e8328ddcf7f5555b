"""Job events → SQS → the events consumer: dropbox results and tenants' webhooks.

The consumer writes the delivery log (``webhook_delivery`` items) and schedules retries as
delayed wake-up messages on the same queue; failures of the consumer itself end in the DLQ.
"""

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

# A message is one webhook attempt (10 s client timeouts) or one event (a dropbox copy and
# DynamoDB writes): a batch of 5 fits the timeout with room to spare.
DELIVERY_TIMEOUT = Duration.seconds(90)
MAX_RECEIVES = 5
BATCH_SIZE = 5


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
            cloud_environment(data, events_queue_url=self.events.queue_url),
        )
        self.delivery = factory.function(
            self,
            "Delivery",
            FunctionSpec(
                name="webhooks",
                description="Deliver job events to webhooks and dropbox results",
                memory_mb=256,
                timeout=DELIVERY_TIMEOUT,
            ),
        )
        role = self.delivery.role
        assert role is not None
        for policy in (
            data.table_rw,  # the delivery log
            data.outputs_read,  # results copied from here...
            data.dropbox_outgoing_write,  # ...to the dropbox's outgoing/ folders
        ):
            role.add_managed_policy(policy)
        self.events.grant_send_messages(self.delivery)  # wake-ups of the next attempts
        self.delivery.add_event_source(
            sources.SqsEventSource(
                self.events,
                batch_size=BATCH_SIZE,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,
            )
        )
        CfnOutput(self, OUTPUT_EVENTS_QUEUE_URL, value=self.events.queue_url)
