"""S3 "object created" in the dropbox → one job and one execution per object version.

Idempotent twice over: the job id (the execution name) is derived from the object version, and
Powertools idempotency records each object in the table so a redelivered event does no work.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.ingest import DropboxObject, dropbox_objects, ingest_object
from estudio.adapters.aws.lambda_entry import entry_point
from estudio.constants import IDEMPOTENCY_PK_PREFIX, TABLE_PK, TABLE_SK, TABLE_TTL_ATTRIBUTE
from estudio.observability import logger, metrics


@lru_cache(maxsize=1)
def _once() -> tuple[IdempotencyConfig, Any]:
    adapters = cached_adapters()
    config = IdempotencyConfig(expires_after_seconds=adapters.cloud.idempotency_ttl_s)
    store = DynamoDBPersistenceLayer(
        table_name=adapters.cloud.table,
        key_attr=TABLE_PK,
        sort_key_attr=TABLE_SK,
        static_pk_value=f"{IDEMPOTENCY_PK_PREFIX}ingest",
        expiry_attr=TABLE_TTL_ATTRIBUTE,
    )

    @idempotent_function(data_keyword_argument="obj", config=config, persistence_store=store)
    def ingest(obj: DropboxObject) -> dict[str, Any]:
        return ingest_object(adapters, obj).model_dump(mode="json")

    return config, ingest


@entry_point
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config, ingest = _once()
    config.register_lambda_context(context)
    started: list[dict[str, Any]] = []
    for obj in dropbox_objects(event):
        if not obj.is_deck:
            logger.info("dropbox object ignored", key_suffix=obj.key.rsplit(".", 1)[-1])
            continue
        started.append(ingest(obj=obj))
    metrics.add_metric(name="DropboxDecks", unit=MetricUnit.Count, value=len(started))
    return {"jobs": started}
