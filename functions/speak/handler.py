"""Step Functions Task `${SpeakFunctionArn}`: the speak stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("SpeakFunctionArn")
