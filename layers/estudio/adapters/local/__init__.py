"""The embedded default: blobs in a folder, state in SQLite, executions in-process."""

from estudio.adapters.local.blobs import FolderBlobStore
from estudio.adapters.local.items import SqliteItemStore

__all__ = ["FolderBlobStore", "SqliteItemStore"]
