"""Logger, tracer and metrics, made once here and imported by every module that logs.

Logs go to stderr so that ``estudio ... --json`` keeps stdout for its one JSON object. Outside
Lambda the tracer disables itself; the level comes from ``POWERTOOLS_LOG_LEVEL`` (CLI: WARNING).
"""

from __future__ import annotations

import sys

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "estudio"

logger = Logger(service=SERVICE, stream=sys.stderr)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace="Estudio")
