"""``make rehearse``: the whole render through the cloud code path, on this machine.

The deck goes in through the API Lambda (API Gateway HTTP API events into the Mangum handler),
the API starts a Step Functions execution (moto), and that execution's input runs through
``statemachines/render.asl.json`` as deployed — every ``Task`` resolved to the Lambda handler
module CDK deploys for it, called with the payload Step Functions would send, and the Batch
``submitJob.sync`` task run as the render container's entrypoint. S3, DynamoDB, SQS, Secrets
Manager and Step Functions are moto's (``mock_aws``); each function runs with the environment
its stack gives it. Entry point: ``python -m stacks.rehearse``.
"""
