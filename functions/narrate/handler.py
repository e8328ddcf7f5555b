"""Step Functions Task `${NarrateFunctionArn}`: the narrate stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("NarrateFunctionArn")
