"""Single-table state in SQLite: the local twin of the DynamoDB table.

One row per item (kind, id); ``data`` is JSON. Conditional updates use ``version`` exactly as
the DynamoDB adapter uses a condition expression, so concurrent stage updates lose nothing.
"""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from estudio.errors import ConcurrentUpdate, Conflict, NotFound, StorageUnavailable
from estudio.ports import Item, decode_cursor, encode_cursor

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    expires_at REAL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS items_by_tenant ON items (kind, tenant, created_at DESC, id DESC);
"""


def _private(path: Path) -> None:
    """The database holds webhook secrets and key hashes: owner-only (its -wal/-shm follow)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


class SqliteItemStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        _private(path)
        self._local = threading.local()
        self._connection().executescript(SCHEMA)
        self.purge_expired()

    def purge_expired(self, now: float | None = None) -> int:
        """Delete every expired item (reads already hide them); returns how many went."""
        with self._connect() as db:
            cursor = db.execute(
                "DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at < ?",
                (time.time() if now is None else now,),
            )
        return cursor.rowcount

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StorageUnavailable(f"state store unavailable: {error}") from error
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _item(row: sqlite3.Row) -> Item:
        return Item(
            kind=row["kind"],
            id=row["id"],
            tenant=row["tenant"],
            version=row["version"],
            data=json.loads(row["data"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            expires_at=row["expires_at"],
        )

    def create(
        self, kind: str, id: str, tenant: str, data: Mapping[str, Any], ttl_s: int | None = None
    ) -> Item:
        now = time.time()
        expires = now + ttl_s if ttl_s else None
        with self._connect() as db:
            self._purge_expired(db, kind, id, now)
            try:
                db.execute(
                    "INSERT INTO items VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                    (kind, id, tenant, json.dumps(dict(data)), now, now, expires),
                )
            except sqlite3.IntegrityError as error:
                raise Conflict(f"{kind} {id} already exists") from error
        return Item(
            kind=kind,
            id=id,
            tenant=tenant,
            data=dict(data),
            created_at=now,
            updated_at=now,
            expires_at=expires,
        )

    @staticmethod
    def _purge_expired(db: sqlite3.Connection, kind: str, id: str, now: float) -> None:
        db.execute(
            "DELETE FROM items WHERE kind = ? AND id = ? "
            "AND expires_at IS NOT NULL AND expires_at < ?",
            (kind, id, now),
        )

    def get(self, kind: str, id: str) -> Item:
        row = (
            self._connection()
            .execute(
                "SELECT * FROM items WHERE kind = ? AND id = ? "
                "AND (expires_at IS NULL OR expires_at >= ?)",
                (kind, id, time.time()),
            )
            .fetchone()
        )
        if row is None:
            raise NotFound(f"{kind} {id} not found")
        return self._item(row)

    def update(
        self, kind: str, id: str, changes: Mapping[str, Any], expect_version: int | None = None
    ) -> Item:
        with self._connect() as db:
            row = db.execute("SELECT * FROM items WHERE kind = ? AND id = ?", (kind, id)).fetchone()
            if row is None:
                raise NotFound(f"{kind} {id} not found")
            if expect_version is not None and row["version"] != expect_version:
                raise ConcurrentUpdate(f"{kind} {id} changed (version {row['version']})")
            data = json.loads(row["data"])
            data.update(changes)
            now = time.time()
            db.execute(
                "UPDATE items SET data = ?, version = version + 1, updated_at = ? "
                "WHERE kind = ? AND id = ?",
                (json.dumps(data), now, kind, id),
            )
        item = self._item(row)
        return item.model_copy(
            update={"data": data, "version": item.version + 1, "updated_at": now}
        )

    def delete(self, kind: str, id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM items WHERE kind = ? AND id = ?", (kind, id))

    def list(
        self, kind: str, tenant: str, limit: int = 50, cursor: str | None = None
    ) -> tuple[builtins.list[Item], str | None]:
        params: list[Any] = [kind, tenant, time.time()]
        query = (
            "SELECT * FROM items WHERE kind = ? AND tenant = ? "
            "AND (expires_at IS NULL OR expires_at >= ?)"
        )
        if cursor:
            created_at, last_id = decode_cursor(cursor)
            query += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            params += [created_at, created_at, last_id]
        query += " ORDER BY created_at DESC, id DESC LIMIT ?"
        params.append(limit + 1)
        rows = self._connection().execute(query, params).fetchall()
        items = [self._item(row) for row in rows[:limit]]
        next_cursor = encode_cursor(items[-1]) if len(rows) > limit else None
        return items, next_cursor

    def find(self, kind: str, field: str, value: str) -> builtins.list[Item]:
        rows = (
            self._connection()
            .execute(
                "SELECT * FROM items WHERE kind = ? AND json_extract(data, ?) = ? "
                "AND (expires_at IS NULL OR expires_at >= ?)",
                (kind, f"$.{field}", value, time.time()),
            )
            .fetchall()
        )
        return [self._item(row) for row in rows]
