"""The GPU render queue: AWS Batch on EC2 (g4dn/g5/g6, NVENC) running ``containers/render``.

The compute environments scale to zero; Spot first where the stage allows, On-Demand behind it.
Instances sit in public subnets with no inbound rule (no NAT gateway to pay for); S3 traffic
stays on a gateway endpoint.
"""

from __future__ import annotations

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
JOB_TIMEOUT = Duration.minutes(30)


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
            description="Batch GPU hosts: no inbound traffic",
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

        self.job_role = iam.Role(
            self,
            "JobRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="The render container: job blobs, job items, job events",
        )
        self.job_role.add_managed_policy(data.artifacts_rw)
        self.job_role.add_managed_policy(data.table_rw)
        events.grant_send_messages(self.job_role)
        self.log_group = logs.LogGroup(
            self,
            "JobLogs",
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        self.container = batch.EcsEc2ContainerDefinition(
            self,
            "Container",
            image=ecs.ContainerImage.from_asset(
                str(config.project_root),
                file=DOCKERFILE,
                target=RENDER_TARGET,
                exclude=BUILD_CONTEXT_EXCLUDE,
            ),
            cpu=JOB_VCPUS,
            memory=JOB_MEMORY,
            gpu=1,
            job_role=self.job_role,
            environment={
                "NVIDIA_DRIVER_CAPABILITIES": NVIDIA_DRIVER_CAPABILITIES,
                "ESTUDIO_ENCODER": "auto",  # h264_nvenc when the preflight finds it
                "ESTUDIO_DATA": "/tmp/estudio",
                "POWERTOOLS_SERVICE_NAME": "estudio",
                "POWERTOOLS_LOG_LEVEL": "INFO",
                **cloud_environment(data, events_queue_url=events.queue_url),
            },
            logging=ecs.LogDriver.aws_logs(stream_prefix="render", log_group=self.log_group),
        )
        self.job_definition = batch.EcsJobDefinition(
            self,
            "RenderScene",
            container=self.container,
            timeout=JOB_TIMEOUT,
            retry_attempts=3,
            retry_strategies=[
                # A reclaimed Spot host is worth another try; a failing render is not.
                batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
                batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom(on_reason="*")),
            ],
            propagate_tags=True,
        )
        # ECR's GetAuthorizationToken takes no resource: the execution role pulls the image.
        acknowledge(self.container, "AwsSolutions-IAM5[Resource::*]")
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
