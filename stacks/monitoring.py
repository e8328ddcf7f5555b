"""Alarms: failed executions, events piling in dead-letter queues, API errors and latency,
stage Lambdas' errors. They notify one encrypted SNS topic (and an email when configured)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from estudio.constants import OUTPUT_ALARM_TOPIC_ARN
from stacks.config import DeployConfig

API_LATENCY_P90_MS = 3000
API_5XX_PER_5_MIN = 5


class MonitoringStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: DeployConfig,
        state_machine: sfn.IStateMachine,
        api: apigw.IHttpApi,
        dead_letter_queues: Mapping[str, sqs.IQueue],
        functions: Mapping[str, lambda_.IFunction],
        studio_api: apigw.IHttpApi | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        key = kms.Key(
            self, "AlarmTopicKey", enable_key_rotation=True, description="Encrypts the alarm topic"
        )
        key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        self.topic = sns.Topic(self, "Alarms", master_key=key, enforce_ssl=True)
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        notify = actions.SnsAction(self.topic)
        self.alarms: list[cw.Alarm] = []

        def alarm(id: str, metric: cw.IMetric, threshold: float, description: str) -> None:
            created = cw.Alarm(
                self,
                id,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
            created.add_alarm_action(notify)
            self.alarms.append(created)

        five_minutes = Duration.minutes(5)
        alarm(
            "ExecutionsFailed",
            state_machine.metric_failed(period=five_minutes),
            1,
            "A render execution failed",
        )
        alarm(
            "ExecutionsTimedOut",
            state_machine.metric_timed_out(period=five_minutes),
            1,
            "A render execution timed out",
        )
        alarm(
            "ExecutionsAborted",
            state_machine.metric_aborted(period=five_minutes),
            1,
            "A render execution was aborted outside the pipeline",
        )
        for name, queue in dead_letter_queues.items():
            alarm(
                f"{name}DlqNotEmpty",
                queue.metric_approximate_number_of_messages_visible(
                    period=five_minutes, statistic="Maximum"
                ),
                1,
                f"Messages are waiting in the {name} dead-letter queue",
            )
        watched = {
            "Api": (api, "The API"),
            **({"StudioApi": (studio_api, "The studio API")} if studio_api else {}),
        }
        for prefix, (http_api, what) in watched.items():
            alarm(
                f"{prefix}5xx",
                http_api.metric_server_error(period=five_minutes, statistic="Sum"),
                API_5XX_PER_5_MIN,
                f"{what} answered 5xx",
            )
            alarm(
                f"{prefix}LatencyP90",
                http_api.metric_latency(period=five_minutes, statistic="p90"),
                API_LATENCY_P90_MS,
                f"{what}'s p90 latency is high",
            )
        for name, fn in functions.items():
            alarm(
                f"{name}Errors",
                fn.metric_errors(period=five_minutes, statistic="Sum"),
                1,
                f"The {name} function raised errors",
            )
        CfnOutput(self, OUTPUT_ALARM_TOPIC_ARN, value=self.topic.topic_arn)
