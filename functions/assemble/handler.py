"""Step Functions Task `${AssembleFunctionArn}`: the assemble stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("AssembleFunctionArn")
