"""Step Functions Task `${FailFunctionArn}`: the fail stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("FailFunctionArn")
