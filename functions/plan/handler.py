"""Step Functions Task `${PlanFunctionArn}`: the plan stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("PlanFunctionArn")
