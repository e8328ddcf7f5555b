"""Single-table state in DynamoDB: the cloud twin of ``SqliteItemStore``.

Layout (one item per kind/id):

- ``pk = "{kind}#{id}"``, ``sk = "item"``; ``data`` is a native map (numbers as ``Decimal``).
- ``tenant-index``: ``gsi1pk = "{kind}#{tenant}"``, ``gsi1sk = "{created_at:020.6f}#{id}"`` —
  ``list`` is a query newest first; the cursor is the last item's ``(created_at, id)`` exactly as
  the SQLite store encodes it.
- ``kind-index``: ``gsi2pk = "{kind}#{shard:02d}"``, one of ``KIND_INDEX_SHARDS`` partitions per
  kind (no kind, jobs least of all, piles its writes into one partition). ``find`` on a
  kind/field in ``INDEXED_LOOKUPS`` is an exact key hit: the shard comes from the value and
  ``gsi2sk = "field=value"``; on anything else it queries each of the kind's shards with a
  filter (meant for rare lookups and small kinds: webhooks, projects), never a table scan.
- ``expires_at``: epoch seconds, the table's TTL attribute. TTL deletes lazily, so reads also
  hide expired items, and ``create`` may overwrite an expired one, as SQLite purges it.

Writes are conditional: ``create`` fails with ``Conflict`` on an existing item, ``update`` bumps
``version`` and, with ``expect_version``, fails with ``ConcurrentUpdate`` when another writer got
in first. ``update`` sets each changed field in place, so concurrent updates of different fields
lose nothing even without ``expect_version``.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import math
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from estudio.adapters.aws.errors import error_code, translate
from estudio.constants import (
    INDEXED_LOOKUPS,
    KIND_INDEX,
    KIND_INDEX_PK,
    KIND_INDEX_SHARDS,
    KIND_INDEX_SK,
    TABLE_PK,
    TABLE_SK,
    TABLE_TTL_ATTRIBUTE,
    TENANT_INDEX,
    TENANT_INDEX_PK,
    TENANT_INDEX_SK,
)
from estudio.errors import ConcurrentUpdate, Conflict, NotFound
from estudio.ports import Item, decode_cursor, encode_cursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

ITEM_SK = "item"
CONDITION_FAILED = "ConditionalCheckFailedException"


def to_dynamo(value: Any) -> Any:
    """JSON-shaped Python → what boto3's resource layer accepts (floats become ``Decimal``)."""
    return json.loads(json.dumps(value), parse_float=Decimal)


def from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    return value


def _sort_key(created_at: float, id: str) -> str:
    return f"{created_at:020.6f}#{id}"


def kind_partition(kind: str, spread_by: str, shards: int = KIND_INDEX_SHARDS) -> str:
    """The kind-index partition of an item: ``spread_by`` (its id, or the value an indexed
    lookup finds it by) hashed onto one of the kind's ``shards``."""
    shard = int.from_bytes(hashlib.sha256(spread_by.encode()).digest()[:4], "big") % shards
    return f"{kind}#{shard:02d}"


class DynamoItemStore:
    def __init__(
        self,
        table: Any,  # a boto3 ``dynamodb.Table`` resource
        indexed_lookups: Mapping[str, str] = INDEXED_LOOKUPS,
    ) -> None:
        self.table = table
        self.indexed_lookups = dict(indexed_lookups)

    # --- encoding ---------------------------------------------------------------------------
    @staticmethod
    def _key(kind: str, id: str) -> dict[str, str]:
        return {TABLE_PK: f"{kind}#{id}", TABLE_SK: ITEM_SK}

    def _kind_keys(
        self, kind: str, data: Mapping[str, Any], created_at: float, id: str
    ) -> dict[str, str]:
        field = self.indexed_lookups.get(kind)
        if field is not None and isinstance(data.get(field), str):
            return {
                KIND_INDEX_PK: kind_partition(kind, data[field]),
                KIND_INDEX_SK: f"{field}={data[field]}",
            }
        return {
            KIND_INDEX_PK: kind_partition(kind, id),
            KIND_INDEX_SK: _sort_key(created_at, id),
        }

    @staticmethod
    def _item(raw: Mapping[str, Any]) -> Item:
        expires = raw.get(TABLE_TTL_ATTRIBUTE)
        return Item(
            kind=str(raw["kind"]),
            id=str(raw["id"]),
            tenant=str(raw["tenant"]),
            version=int(raw["version"]),
            data=from_dynamo(raw.get("data", {})),
            created_at=float(raw["created_at"]),
            updated_at=float(raw["updated_at"]),
            expires_at=float(expires) if expires is not None else None,
        )

    @staticmethod
    def _live(raw: Mapping[str, Any], now: float) -> bool:
        expires = raw.get(TABLE_TTL_ATTRIBUTE)
        return expires is None or float(expires) >= now

    # --- ItemStore --------------------------------------------------------------------------
    def create(
        self, kind: str, id: str, tenant: str, data: Mapping[str, Any], ttl_s: int | None = None
    ) -> Item:
        now = time.time()
        expires = float(math.ceil(now + ttl_s)) if ttl_s else None
        raw: dict[str, Any] = {
            **self._key(kind, id),
            "kind": kind,
            "id": id,
            "tenant": tenant,
            "version": 1,
            "data": to_dynamo(dict(data)),
            "created_at": Decimal(repr(now)),
            "updated_at": Decimal(repr(now)),
            TENANT_INDEX_PK: f"{kind}#{tenant}",
            TENANT_INDEX_SK: _sort_key(now, id),
            **self._kind_keys(kind, data, now, id),
        }
        if expires is not None:
            raw[TABLE_TTL_ATTRIBUTE] = int(expires)
        try:
            self.table.put_item(
                Item=raw,
                ConditionExpression="attribute_not_exists(#pk) OR #exp < :now",
                ExpressionAttributeNames={"#pk": TABLE_PK, "#exp": TABLE_TTL_ATTRIBUTE},
                ExpressionAttributeValues={":now": int(now)},
            )
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                raise Conflict(f"{kind} {id} already exists") from error
            raise translate(error, f"{kind} {id}") from error
        except BotoCoreError as error:
            raise translate(error, f"{kind} {id}") from error
        return Item(
            kind=kind,
            id=id,
            tenant=tenant,
            data=dict(data),
            created_at=now,
            updated_at=now,
            expires_at=expires,
        )

    def _get_raw(self, kind: str, id: str) -> dict[str, Any] | None:
        try:
            response = self.table.get_item(Key=self._key(kind, id), ConsistentRead=True)
        except (ClientError, BotoCoreError) as error:
            raise translate(error, f"{kind} {id}") from error
        raw: dict[str, Any] | None = response.get("Item")
        return raw

    def get(self, kind: str, id: str) -> Item:
        raw = self._get_raw(kind, id)
        if raw is None or not self._live(raw, time.time()):
            raise NotFound(f"{kind} {id} not found")
        return self._item(raw)

    def update(
        self, kind: str, id: str, changes: Mapping[str, Any], expect_version: int | None = None
    ) -> Item:
        now = time.time()
        names: dict[str, str] = {
            "#pk": TABLE_PK,
            "#data": "data",
            "#v": "version",
            "#u": "updated_at",
        }
        values: dict[str, Any] = {":one": 1, ":now": Decimal(repr(now))}
        sets = ["#v = #v + :one", "#u = :now"]
        for n, (field, value) in enumerate(changes.items()):
            names[f"#f{n}"] = field
            values[f":f{n}"] = to_dynamo(value)
            sets.append(f"#data.#f{n} = :f{n}")
        lookup = self.indexed_lookups.get(kind)
        if lookup is not None and isinstance(changes.get(lookup), str):
            names.update({"#p2": KIND_INDEX_PK, "#k2": KIND_INDEX_SK})
            values[":p2"] = kind_partition(kind, changes[lookup])
            values[":k2"] = f"{lookup}={changes[lookup]}"
            sets += ["#p2 = :p2", "#k2 = :k2"]
        condition = "attribute_exists(#pk)"
        if expect_version is not None:
            condition += " AND #v = :expected"
            values[":expected"] = expect_version
        try:
            response = self.table.update_item(
                Key=self._key(kind, id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error_code(error) != CONDITION_FAILED:
                raise translate(error, f"{kind} {id}") from error
            current = self._get_raw(kind, id)
            if current is None:
                raise NotFound(f"{kind} {id} not found") from error
            raise ConcurrentUpdate(
                f"{kind} {id} changed (version {int(current['version'])})"
            ) from error
        except BotoCoreError as error:
            raise translate(error, f"{kind} {id}") from error
        return self._item(response["Attributes"])

    def delete(self, kind: str, id: str) -> None:
        try:
            self.table.delete_item(Key=self._key(kind, id))
        except (ClientError, BotoCoreError) as error:
            raise translate(error, f"{kind} {id}") from error

    def list(
        self, kind: str, tenant: str, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[Item], str | None]:
        now = time.time()
        query: dict[str, Any] = {
            "IndexName": TENANT_INDEX,
            "KeyConditionExpression": "#gpk = :gpk",
            "ExpressionAttributeNames": {"#gpk": TENANT_INDEX_PK},
            "ExpressionAttributeValues": {":gpk": f"{kind}#{tenant}"},
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if cursor:
            created_at, last_id = decode_cursor(cursor)
            query["ExclusiveStartKey"] = {
                **self._key(kind, last_id),
                TENANT_INDEX_PK: f"{kind}#{tenant}",
                TENANT_INDEX_SK: _sort_key(created_at, last_id),
            }
        found: list[dict[str, Any]] = []
        while len(found) <= limit:  # expired items are skipped, so a page may need more reads
            try:
                response = self.table.query(**query)
            except (ClientError, BotoCoreError) as error:
                raise translate(error, f"{kind} of {tenant}") from error
            found += [raw for raw in response.get("Items", []) if self._live(raw, now)]
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            query["ExclusiveStartKey"] = last
        items = [self._item(raw) for raw in found[:limit]]
        next_cursor = encode_cursor(items[-1]) if len(found) > limit else None
        return items, next_cursor

    def find(self, kind: str, field: str, value: str) -> builtins.list[Item]:
        if self.indexed_lookups.get(kind) == field:
            query: dict[str, Any] = {
                "IndexName": KIND_INDEX,
                "KeyConditionExpression": "#gpk = :gpk AND #gsk = :gsk",
                "ExpressionAttributeNames": {"#gpk": KIND_INDEX_PK, "#gsk": KIND_INDEX_SK},
                "ExpressionAttributeValues": {
                    ":gpk": kind_partition(kind, value),
                    ":gsk": f"{field}={value}",
                },
            }
            return self._query_all(query, f"{kind} by {field}")
        items: builtins.list[Item] = []
        for shard in range(KIND_INDEX_SHARDS):
            query = {
                "IndexName": KIND_INDEX,
                "KeyConditionExpression": "#gpk = :gpk",
                "FilterExpression": "#data.#field = :value",
                "ExpressionAttributeNames": {
                    "#gpk": KIND_INDEX_PK,
                    "#data": "data",
                    "#field": field,
                },
                "ExpressionAttributeValues": {":gpk": f"{kind}#{shard:02d}", ":value": value},
            }
            items += self._query_all(query, f"{kind} by {field}")
        return items

    def _query_all(self, query: dict[str, Any], what: str) -> builtins.list[Item]:
        now = time.time()
        items: builtins.list[Item] = []
        while True:
            try:
                response = self.table.query(**query)
            except (ClientError, BotoCoreError) as error:
                raise translate(error, what) from error
            items += [self._item(raw) for raw in response.get("Items", []) if self._live(raw, now)]
            last = response.get("LastEvaluatedKey")
            if not last:
                return items
            query["ExclusiveStartKey"] = last
