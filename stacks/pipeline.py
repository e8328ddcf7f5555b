"""The render pipeline: one Lambda per stage, the state machine from the shared ASL file, and
the dropbox ingest (S3 "Object Created" via EventBridge → ingest Lambda → StartExecution)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_batch as batch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from estudio.constants import (
    BATCH_EVENTS_RULE,
    DROPBOX_PREFIX,
    OUTPUT_STATE_MACHINE_ARN,
)
from stacks.config import DeployConfig
from stacks.environment import allow_voice_keys, cloud_environment
from stacks.functions import FunctionFactory, FunctionSpec, retention
from stacks.nag import acknowledge, acknowledge_wildcards
from stacks.render import BUILD_CONTEXT_EXCLUDE, DOCKERFILE, OFFICE_TARGET
from stacks.storage import DataPlane

ASL_FILE = "statemachines/render.asl.json"
EXECUTION_TIMEOUT = Duration.hours(3)


@dataclass(frozen=True)
class StageSpec:
    placeholder: str  # the ASL's ${...} name
    spec: FunctionSpec
    needs_outputs: bool = False  # writes final outputs (the outputs bucket)
    image: bool = False  # needs LibreOffice: the container image, not the zip + layer
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
        image=True,  # LibreOffice and poppler convert and read non-pptx inputs (docs/adr/0011)
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
        image=True,
    ),
    StageSpec(
        "SpeakFunctionArn",
        FunctionSpec("speak", "Narrate one scene", memory_mb=1024, timeout=Duration.minutes(3)),
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
        needs_outputs=True,
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
        needs_outputs=True,
    ),
    StageSpec(
        "FailFunctionArn",
        FunctionSpec("fail", "Record a failed job", memory_mb=256, timeout=Duration.seconds(30)),
    ),
)


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: DeployConfig,
        data: DataPlane,
        events_queue: sqs.IQueue,
        job_queue: batch.IJobQueue,
        job_definition: batch.IJobDefinition,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        environment = cloud_environment(data, events_queue_url=events_queue.queue_url)
        factory = FunctionFactory(self, "Functions", config, environment)

        def office_code(stage_name: str) -> lambda_.DockerImageCode:
            """The LibreOffice image (one build), started at this stage's handler."""
            return lambda_.DockerImageCode.from_image_asset(
                str(config.project_root),
                file=DOCKERFILE,
                target=OFFICE_TARGET,
                exclude=BUILD_CONTEXT_EXCLUDE,
                cmd=[f"functions.{stage_name}.handler.handler"],
            )

        self.stage_functions: dict[str, lambda_.Function] = {}
        for stage in STAGES:
            id_ = stage.spec.name.title().replace("_", "")
            fn = (
                factory.image_function(self, id_, stage.spec, office_code(stage.spec.name))
                if stage.image
                else factory.function(self, id_, stage.spec)
            )
            role = fn.role
            assert role is not None
            role.add_managed_policy(data.artifacts_rw)
            role.add_managed_policy(data.table_rw)
            if stage.needs_outputs:
                role.add_managed_policy(data.outputs_rw)
            if stage.voice_keys:
                allow_voice_keys(fn, data)
            events_queue.grant_send_messages(fn)
            self.stage_functions[stage.placeholder] = fn

        log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        substitutions = {name: fn.function_arn for name, fn in self.stage_functions.items()}
        substitutions["RenderJobQueueArn"] = job_queue.job_queue_arn
        substitutions["RenderJobDefinitionArn"] = job_definition.job_definition_arn
        self.state_machine = sfn.StateMachine(
            self,
            "Render",
            definition_body=sfn.DefinitionBody.from_file(str(config.project_root / ASL_FILE)),
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
        self._allow_batch_sync(job_queue, job_definition)
        # Logs delivery, X-Ray and Batch's DescribeJobs/TerminateJob take no resource.
        acknowledge(self.state_machine, "AwsSolutions-IAM5[Resource::*]")
        self.execution_control = self._execution_control()

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
        ingest_role = self.ingest.role
        assert ingest_role is not None
        for policy in (data.dropbox_read, data.artifacts_rw, data.table_rw):
            ingest_role.add_managed_policy(policy)
        events_queue.grant_send_messages(self.ingest)
        self.state_machine.grant_start_execution(self.ingest)
        self.ingest_dead_letters = sqs.Queue(
            self,
            "IngestDlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(self.ingest_dead_letters, "AwsSolutions-SQS3")
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
        CfnOutput(self, OUTPUT_STATE_MACHINE_ARN, value=self.state_machine.state_machine_arn)

    def _allow_batch_sync(
        self, job_queue: batch.IJobQueue, job_definition: batch.IJobDefinition
    ) -> None:
        """Exactly what ``batch:submitJob.sync`` needs: submit to this queue and definition,
        follow and stop the job, and the managed EventBridge rule that reports its end."""
        role = self.state_machine.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["batch:SubmitJob"],
                resources=[job_queue.job_queue_arn, job_definition.job_definition_arn],
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
