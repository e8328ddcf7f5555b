"""Step Functions Task `${RenderSceneFunctionArn}`: the render_scene stage."""

from estudio.adapters.aws.lambda_entry import stage_handler

handler = stage_handler("RenderSceneFunctionArn")
