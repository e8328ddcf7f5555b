"""Step Functions Task `${PublishFunctionArn}`: the publish stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("PublishFunctionArn")
