"""Real event payloads (S3, EventBridge, HTTP API, SQS, Step Functions task inputs)."""
