"""Step Functions Task `${RasterizeFunctionArn}`: the rasterize stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("RasterizeFunctionArn")
