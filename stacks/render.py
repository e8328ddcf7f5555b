"""The render queues: AWS Batch on EC2 GPU hosts (g4dn/g5/g6, NVENC) and a Fargate CPU queue
that takes a presenter scene when no GPU host comes up in time; both run ``containers/render``.

The compute environments scale to zero; Spot first where the stage allows, On-Demand behind it.
Hosts sit in public subnets with no inbound rule (no NAT gateway to pay for); S3 traffic stays
on a gateway endpoint.

This stack holds only what does not change with the code (network, compute environments,
queues, the job role, the log group). The job definitions carry the image, so every code change
makes a new revision: they are built by ``render_job_definitions`` inside the stack that runs
the state machine, never exported across stacks (ADR 0005).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from estudio.constants import NVIDIA_DRIVER_CAPABILITIES, OUTPUT_JOB_QUEUE_ARN
from stacks.config import DeployConfig
from stacks.environment import cloud_environment
from stacks.functions import retention
from stacks.nag import acknowledge
from stacks.storage import DataPlane

DOCKERFILE = "containers/render/Dockerfile"
RENDER_TARGET = "render"
OFFICE_TARGET = "office"
# The Docker build context is the project root; only these paths enter it.
BUILD_CONTEXT_EXCLUDE = [
    "*",
    "!pyproject.toml",
    "!README.md",
    "!requirements/image-constraints.txt",
    "!layers/**",
    "!functions/**",
    "!containers/render/**",
    "**/__pycache__",
    "**/*.pyc",
]
JOB_VCPUS = 4
JOB_MEMORY = Size.gibibytes(14)  # fits g4dn.xlarge (16 GiB) after the ECS agent's share
# Batch counts a job's attempt from RUNNING: a scene on a GPU renders in a minute or two.
JOB_TIMEOUT = Duration.minutes(30)
# The CPU fallback: the built-in presenter renders at about 3x real time on 2 cores.
CPU_JOB_VCPUS = 4
CPU_JOB_MEMORY = Size.gibibytes(8)
CPU_JOB_TIMEOUT = Duration.minutes(60)
CPU_MAX_VCPUS = 64


def container_environment(
    data: DataPlane, events_queue_url: str, encoder: str = "auto"
) -> dict[str, str]:
    """The render container's environment (the job definitions', as ``make rehearse`` runs it)."""
    return {
        "NVIDIA_DRIVER_CAPABILITIES": NVIDIA_DRIVER_CAPABILITIES,
        "ESTUDIO_ENCODER": encoder,  # auto: h264_nvenc when the preflight finds it
        "ESTUDIO_DATA": "/tmp/estudio",
        "POWERTOOLS_SERVICE_NAME": "estudio",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        **cloud_environment(data, events_queue_url=events_queue_url),
    }


class RenderStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: DeployConfig,
        data: DataPlane,
        events: sqs.IQueue,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=3,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=22
                )
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)
            },
            flow_logs={
                "Rejected": ec2.FlowLogOptions(
                    traffic_type=ec2.FlowLogTrafficType.REJECT,
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                        logs.LogGroup(
                            self,
                            "FlowLogs",
                            retention=retention(config.log_retention_days),
                            removal_policy=RemovalPolicy.DESTROY,
                        )
                    ),
                )
            },
        )
        security_group = ec2.SecurityGroup(
            self,
            "RenderHosts",
            vpc=self.vpc,
            allow_all_outbound=True,
            description="Batch render hosts: no inbound traffic",
        )
        environments = []
        if config.gpu_spot:
            environments.append(self._compute("Spot", security_group, config, spot=True))
        environments.append(self._compute("OnDemand", security_group, config, spot=False))
        self.queue = batch.JobQueue(
            self,
            "Queue",
            compute_environments=[
                batch.OrderedComputeEnvironment(compute_environment=env, order=n)
                for n, env in enumerate(environments, start=1)
            ],
        )
        cpu = batch.FargateComputeEnvironment(
            self,
            "CpuFargate",
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[security_group],
            maxv_cpus=CPU_MAX_VCPUS,
            spot=False,
            replace_compute_environment=False,
        )
        self.cpu_queue = batch.JobQueue(
            self,
            "CpuQueue",
            compute_environments=[
                batch.OrderedComputeEnvironment(compute_environment=cpu, order=1)
            ],
        )

        self.job_role = iam.Role(
            self,
            "JobRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="The render container: its job's blobs and item, job events",
        )
        self.job_role.add_managed_policy(data.stage_access["render_container"])
        events.grant_send_messages(self.job_role)
        self.log_group = logs.LogGroup(
            self,
            "JobLogs",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        self.events_queue_url = events.queue_url
        self.data = data
        CfnOutput(self, OUTPUT_JOB_QUEUE_ARN, value=self.queue.job_queue_arn)

    def _compute(
        self, id: str, security_group: ec2.ISecurityGroup, config: DeployConfig, spot: bool
    ) -> batch.ManagedEc2EcsComputeEnvironment:
        env = batch.ManagedEc2EcsComputeEnvironment(
            self,
            id,
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[security_group],
            # NVENC families only (H100/H200 have none); which exist depends on the region.
            instance_classes=[
                ec2.InstanceClass(name.upper()) for name in config.gpu_instance_classes
            ],
            use_optimal_instance_classes=False,
            spot=spot,
            allocation_strategy=(
                batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED
                if spot
                else batch.AllocationStrategy.BEST_FIT_PROGRESSIVE
            ),
            minv_cpus=0,
            maxv_cpus=config.max_gpu_vcpus,
            replace_compute_environment=False,
        )
        acknowledge(
            env,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "service-role/AmazonEC2ContainerServiceforEC2Role]",
        )
        return env


@dataclass(frozen=True)
class RenderJobs:
    """Where a presenter scene goes: the GPU queue first, the CPU queue when that times out."""

    gpu_queue: batch.IJobQueue
    gpu_definition: batch.EcsJobDefinition
    cpu_queue: batch.IJobQueue
    cpu_definition: batch.EcsJobDefinition


def _environment(render: RenderStack, encoder: str) -> dict[str, str]:
    return container_environment(render.data, render.events_queue_url, encoder)


def render_job_definitions(
    scope: Construct, render: RenderStack, config: DeployConfig
) -> RenderJobs:
    """The GPU and CPU job definitions, made in ``scope`` (the state machine's stack): a code
    change adds a revision there and nowhere else."""
    image = ecs.ContainerImage.from_asset(
        str(config.project_root),
        file=DOCKERFILE,
        target=RENDER_TARGET,
        exclude=BUILD_CONTEXT_EXCLUDE,
    )
    logging = ecs.LogDriver.aws_logs(stream_prefix="render", log_group=render.log_group)
    gpu_container = batch.EcsEc2ContainerDefinition(
        scope,
        "PresenterGpuContainer",
        image=image,
        cpu=JOB_VCPUS,
        memory=JOB_MEMORY,
        gpu=1,
        job_role=render.job_role,
        environment=_environment(render, "auto"),  # h264_nvenc when the preflight finds it
        logging=logging,
    )
    cpu_container = batch.EcsFargateContainerDefinition(
        scope,
        "PresenterCpuContainer",
        image=image,
        cpu=CPU_JOB_VCPUS,
        memory=CPU_JOB_MEMORY,
        job_role=render.job_role,
        assign_public_ip=True,  # public subnets, no NAT: the image pull needs a public address
        environment=_environment(render, "libx264"),
        logging=logging,
    )
    retry = [
        # A reclaimed Spot host is worth another try; a failing render is not.
        batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
        batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom(on_reason="*")),
    ]
    gpu = batch.EcsJobDefinition(
        scope,
        "PresenterGpuJob",
        container=gpu_container,
        timeout=JOB_TIMEOUT,
        retry_attempts=3,
        retry_strategies=retry,
        propagate_tags=True,
    )
    cpu = batch.EcsJobDefinition(
        scope,
        "PresenterCpuJob",
        container=cpu_container,
        timeout=CPU_JOB_TIMEOUT,
        retry_attempts=1,
        propagate_tags=True,
    )
    # ECR's GetAuthorizationToken takes no resource: the execution roles pull the image.
    acknowledge(gpu_container, "AwsSolutions-IAM5[Resource::*]")
    acknowledge(cpu_container, "AwsSolutions-IAM5[Resource::*]")
    return RenderJobs(
        gpu_queue=render.queue,
        gpu_definition=gpu,
        cpu_queue=render.cpu_queue,
        cpu_definition=cpu,
    )
