"""Step Functions Task `${ParseFunctionArn}`: the parse stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("ParseFunctionArn")
