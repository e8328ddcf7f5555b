"""Step Functions Task `${PackageFunctionArn}`: the LMS package stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("PackageFunctionArn")
