"""The render pipeline: one Lambda per stage, the state machine from the shared ASL file, the
presenter job definitions, the dropbox ingest (S3 "Object Created" via EventBridge → ingest
Lambda → StartExecution) and the reconciler (an execution's end → its job).

Each stage's role holds exactly what the stage touches (``StageAccess``): the artefacts it reads
and writes, no deletes, only job items. The job definitions live here, beside the state machine
that names them, so a code change adds a revision without changing any cross-stack export.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from estudio.constants import (
    BATCH_EVENTS_RULE,
    DROPBOX_PREFIX,
    ENV_RECORD_TTL_DAYS,
    OUTPUT_STATE_MACHINE_ARN,
)
from estudio.reconcile import ENDINGS, EVENT_DETAIL_TYPE, EVENT_SOURCE
from stacks.access import STAGE_ACCESS
from stacks.config import DeployConfig
from stacks.environment import allow_voice_keys, cloud_environment
from stacks.functions import FunctionFactory, FunctionSpec, retention
from stacks.nag import acknowledge, acknowledge_wildcards
from stacks.render import (
    RenderJobs,
    RenderStack,
    render_job_definitions,
)
from stacks.storage import DataPlane

ASL_FILE = "statemachines/render.asl.json"
EXECUTION_TIMEOUT = Duration.hours(3)
PRESENTER_STATE = "RenderPresenterScene"
FAILURES_RETENTION = Duration.days(14)


def stage_environment(data: DataPlane, events_queue_url: str, record_days: int) -> dict[str, str]:
    """What every pipeline function's environment holds beside the factory's defaults."""
    return {
        **cloud_environment(data, events_queue_url=events_queue_url),
        ENV_RECORD_TTL_DAYS: str(record_days),
    }


@dataclass(frozen=True)
class StageSpec:
    placeholder: str  # the ASL's ${...} name
    spec: FunctionSpec
    access: str  # its entry in ``stacks.access.STAGE_ACCESS``
    voice_keys: bool = False  # reads the voice providers' keys (Secrets Manager)


STAGES: tuple[StageSpec, ...] = (
    StageSpec(
        "ParseFunctionArn",
        FunctionSpec(
            "parse",
            "Open the deck (converting .ppt, .odp, Strict; reading PDF): one scene per slide",
            memory_mb=3008,
            timeout=Duration.minutes(10),
            ephemeral_mb=2048,
        ),
        "parse",
    ),
    StageSpec(
        "RasterizeFunctionArn",
        FunctionSpec(
            "rasterize",
            "Slide images with LibreOffice and pdftoppm",
            memory_mb=3008,
            timeout=Duration.minutes(10),
            ephemeral_mb=4096,
        ),
        "rasterize",
    ),
    StageSpec(
        "SpeakFunctionArn",
        FunctionSpec("speak", "Narrate one scene", memory_mb=1024, timeout=Duration.minutes(3)),
        "speak",
        voice_keys=True,
    ),
    StageSpec(
        "PlanFunctionArn",
        FunctionSpec(
            "plan",
            "Scene timing, transitions, chapters",
            memory_mb=512,
            timeout=Duration.minutes(1),
        ),
        "plan",
    ),
    StageSpec(
        "RenderSceneFunctionArn",
        FunctionSpec(
            "render_scene",
            "Encode one still scene (libx264)",
            memory_mb=2048,
            timeout=Duration.minutes(10),
            ephemeral_mb=2048,
        ),
        "render_scene",
    ),
    StageSpec(
        "NarrateFunctionArn",
        FunctionSpec(
            "narrate",
            "Build and encode the narration track",
            memory_mb=1024,
            timeout=Duration.minutes(10),
            ephemeral_mb=2048,
        ),
        "narrate",
    ),
    StageSpec(
        "AssembleFunctionArn",
        FunctionSpec(
            "assemble",
            "Concatenate segments, mux the narration",
            memory_mb=3008,
            timeout=Duration.minutes(15),
            ephemeral_mb=8192,
        ),
        "assemble",
    ),
    StageSpec(
        "PublishFunctionArn",
        FunctionSpec(
            "publish",
            "Captions, thumbnail, manifest",
            memory_mb=1024,
            timeout=Duration.minutes(3),
            ephemeral_mb=1024,
        ),
        "publish",
    ),
    StageSpec(
        "PackageFunctionArn",
        FunctionSpec(
            "package",
            "SCORM 1.2 / 2004 packages and the storyboard",
            memory_mb=2048,
            timeout=Duration.minutes(10),
            ephemeral_mb=8192,
        ),
        "package",
    ),
    StageSpec(
        "FailFunctionArn",
        FunctionSpec("fail", "Record a failed job", memory_mb=256, timeout=Duration.seconds(30)),
        "fail",
    ),
)


def render_definition(path: Path, presenter_timeout_s: int) -> dict[str, Any]:
    """The ASL file with the presenter task's GPU wait set (``TimeoutSeconds``)."""
    definition: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    found = []
    pending: list[Any] = [definition]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            states = node.get("States")
            if isinstance(states, dict) and PRESENTER_STATE in states:
                found.append(states[PRESENTER_STATE])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    if len(found) != 1:
        raise ValueError(f"{path}: expected one {PRESENTER_STATE} state, found {len(found)}")
    found[0]["TimeoutSeconds"] = presenter_timeout_s
    return definition


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: DeployConfig,
        data: DataPlane,
        events_queue: sqs.IQueue,
        render: RenderStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        environment = stage_environment(data, events_queue.queue_url, config.record_days)
        factory = FunctionFactory(self, "Functions", config, environment)

        self.stage_functions: dict[str, lambda_.Function] = {}
        for stage in STAGES:
            id_ = stage.spec.name.title().replace("_", "")
            fn = factory.function(self, id_, stage.spec)  # zip or image: its bundle's kind
            self._grant(fn, data, stage.access)
            if stage.voice_keys:
                allow_voice_keys(fn, data)
            events_queue.grant_send_messages(fn)
            self.stage_functions[stage.placeholder] = fn

        self.render_jobs = render_job_definitions(self, render, config)
        log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        substitutions = {name: fn.function_arn for name, fn in self.stage_functions.items()}
        jobs = self.render_jobs
        substitutions.update(
            RenderJobQueueArn=jobs.gpu_queue.job_queue_arn,
            RenderJobDefinitionArn=jobs.gpu_definition.job_definition_arn,
            RenderCpuJobQueueArn=jobs.cpu_queue.job_queue_arn,
            RenderCpuJobDefinitionArn=jobs.cpu_definition.job_definition_arn,
        )
        asl = config.project_root / ASL_FILE
        definition = render_definition(asl, config.presenter_gpu_timeout_s)
        # The file itself when it already says so (the default), so what deploys is the file.
        body = (
            sfn.DefinitionBody.from_file(str(asl))
            if definition == json.loads(asl.read_text(encoding="utf-8"))
            else sfn.DefinitionBody.from_string(json.dumps(definition))
        )
        self.state_machine = sfn.StateMachine(
            self,
            "Render",
            definition_body=body,
            definition_substitutions=substitutions,
            state_machine_type=sfn.StateMachineType.STANDARD,
            timeout=EXECUTION_TIMEOUT,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
        )
        # Invoke exactly these functions (unqualified ARNs, as the ASL names them).
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[fn.function_arn for fn in self.stage_functions.values()],
            )
        )
        self._allow_batch_sync(jobs)
        # Logs delivery, X-Ray and Batch's DescribeJobs/TerminateJob take no resource.
        acknowledge(self.state_machine, "AwsSolutions-IAM5[Resource::*]")
        self.execution_control = self._execution_control()
        self._ingest(factory, config, data, events_queue)
        self._reconciler(factory, data, events_queue)
        CfnOutput(self, OUTPUT_STATE_MACHINE_ARN, value=self.state_machine.state_machine_arn)

    @staticmethod
    def _grant(fn: lambda_.Function, data: DataPlane, name: str) -> None:
        role = fn.role
        assert role is not None
        role.add_managed_policy(data.stage_access[name])
        if STAGE_ACCESS[name].dropbox_read:
            role.add_managed_policy(data.dropbox_read)
        if STAGE_ACCESS[name].dropbox_outgoing_write:
            role.add_managed_policy(data.dropbox_outgoing_write)

    def _failures_queue(self, id: str) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=FAILURES_RETENTION,
        )
        acknowledge(queue, "AwsSolutions-SQS3")
        return queue

    def _ingest(
        self,
        factory: FunctionFactory,
        config: DeployConfig,
        data: DataPlane,
        events_queue: sqs.IQueue,
    ) -> None:
        # Events EventBridge could not hand to Lambda, and invocations that failed after
        # Lambda's own retries: both wait here (an alarm watches each) instead of vanishing.
        self.ingest_dead_letters = self._failures_queue("IngestDlq")
        self.ingest_failures = self._failures_queue("IngestFailures")
        self.ingest = factory.function(
            self,
            "Ingest",
            FunctionSpec(
                "ingest",
                "Start a render for each deck dropped in the dropbox",
                memory_mb=256,
                timeout=Duration.seconds(60),
                environment={"ESTUDIO_AWS_STATE_MACHINE_ARN": self.state_machine.state_machine_arn},
            ),
        )
        self.ingest.configure_async_invoke(
            on_failure=destinations.SqsDestination(self.ingest_failures),
            retry_attempts=2,
            max_event_age=Duration.hours(6),
        )
        self._grant(self.ingest, data, "ingest")
        events_queue.grant_send_messages(self.ingest)
        self.state_machine.grant_start_execution(self.ingest)
        events.Rule(
            self,
            "DeckDropped",
            description="A .pptx dropped under dropbox/{tenant}/ starts a render",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [data.dropbox.bucket_name]},
                    # The suffix test is the handler's (".PPTX" too): a pattern is case-sensitive.
                    "object": {"key": [{"prefix": DROPBOX_PREFIX}]},
                },
            ),
            targets=[
                targets.LambdaFunction(
                    self.ingest,
                    dead_letter_queue=self.ingest_dead_letters,
                    retry_attempts=4,
                    max_event_age=Duration.hours(2),
                )
            ],
        )

    def _reconciler(
        self, factory: FunctionFactory, data: DataPlane, events_queue: sqs.IQueue
    ) -> None:
        """Executions that end FAILED, TIMED_OUT or ABORTED → the reconciler fails their job
        (a no-op when the pipeline's own failure state got there first)."""
        self.reconcile_failures = self._failures_queue("ReconcileFailures")
        self.reconciler = factory.function(
            self,
            "Reconcile",
            FunctionSpec(
                "reconcile",
                "Fail the job of an execution that ended outside the pipeline",
                memory_mb=256,
                timeout=Duration.seconds(30),
            ),
        )
        self.reconciler.configure_async_invoke(
            on_failure=destinations.SqsDestination(self.reconcile_failures),
            retry_attempts=2,
        )
        self._grant(self.reconciler, data, "reconcile")
        events_queue.grant_send_messages(self.reconciler)  # render.failed
        events.Rule(
            self,
            "ExecutionEnded",
            description="A render execution ended FAILED, TIMED_OUT or ABORTED",
            event_pattern=events.EventPattern(
                source=[EVENT_SOURCE],
                detail_type=[EVENT_DETAIL_TYPE],
                detail={
                    "stateMachineArn": [self.state_machine.state_machine_arn],
                    "status": sorted(status.value for status in ENDINGS),
                },
            ),
            targets=[
                targets.LambdaFunction(
                    self.reconciler,
                    dead_letter_queue=self.reconcile_failures,
                    retry_attempts=8,
                    max_event_age=Duration.hours(24),
                )
            ],
        )

    def _allow_batch_sync(self, jobs: RenderJobs) -> None:
        """Exactly what ``batch:submitJob.sync`` needs: submit to these queues and definitions,
        follow and stop the job, and the managed EventBridge rule that reports its end."""
        role = self.state_machine.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["batch:SubmitJob"],
                resources=[
                    jobs.gpu_queue.job_queue_arn,
                    jobs.gpu_definition.job_definition_arn,
                    jobs.cpu_queue.job_queue_arn,
                    jobs.cpu_definition.job_definition_arn,
                ],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["batch:DescribeJobs", "batch:TerminateJob"],
                resources=["*"],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[
                    self.format_arn(
                        service="events", resource="rule", resource_name=BATCH_EVENTS_RULE
                    )
                ],
            )
        )

    def _execution_control(self) -> iam.ManagedPolicy:
        """For the API: start executions, read and stop this state machine's executions."""
        executions = self.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{self.state_machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        policy = iam.ManagedPolicy(
            self,
            "ExecutionControl",
            description="Start, describe and stop render executions",
            statements=[
                iam.PolicyStatement(
                    actions=["states:StartExecution"],
                    resources=[self.state_machine.state_machine_arn],
                ),
                iam.PolicyStatement(
                    actions=["states:DescribeExecution", "states:StopExecution"],
                    resources=[executions],
                ),
            ],
        )
        acknowledge_wildcards(
            policy,
            [executions],
            (
                "Execution ARNs end with the execution name (the job id), unknown until a render "
                "starts; the wildcard stays inside this one state machine's executions."
            ),
        )
        return policy
