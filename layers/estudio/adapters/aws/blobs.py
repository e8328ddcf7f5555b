"""Blobs in S3: the cloud twin of ``FolderBlobStore`` (same keys, same errors).

One default bucket (artifacts) plus routes: keys matching a glob go to another bucket (final
outputs, browser uploads). Intermediate keys are tagged so a lifecycle rule expires them.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from botocore.exceptions import BotoCoreError, ClientError

from estudio.adapters.aws.errors import translate
from estudio.constants import (
    INTERMEDIATE_KEY_PATTERNS,
    INTERMEDIATE_TAG_KEY,
    INTERMEDIATE_TAG_VALUE,
)
from estudio.errors import InvalidOptions, NotFound, StorageUnavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = Any


def check_key(key: str) -> str:
    """The same key rules as the folder store: relative, no backslash, no ``..`` segment."""
    if not key or key.startswith("/") or "\\" in key or ".." in key.split("/"):
        raise InvalidOptions(f"invalid blob key: {key!r}")
    return key


class S3BlobStore:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        routes: Sequence[tuple[str, str]] = (),
        intermediate_patterns: Sequence[str] = INTERMEDIATE_KEY_PATTERNS,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.routes = tuple(routes)  # (glob over the key, bucket), first match wins
        self.intermediate_patterns = tuple(intermediate_patterns)

    def bucket_for(self, key: str) -> str:
        for pattern, bucket in self.routes:
            if fnmatchcase(key, pattern):
                return bucket
        return self.bucket

    def _extra(self, key: str, content_type: str | None) -> dict[str, str]:
        extra: dict[str, str] = {}
        if content_type:
            extra["ContentType"] = content_type
        if any(fnmatchcase(key, pattern) for pattern in self.intermediate_patterns):
            extra["Tagging"] = urlencode({INTERMEDIATE_TAG_KEY: INTERMEDIATE_TAG_VALUE})
        return extra

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        check_key(key)
        try:  # a single PUT is atomic: readers see the old object or the new one
            self.client.put_object(
                Bucket=self.bucket_for(key), Key=key, Body=data, **self._extra(key, content_type)
            )
        except (ClientError, BotoCoreError) as error:
            raise translate(error, key) from error

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        check_key(key)
        try:  # multipart uploads become visible only when completed
            self.client.upload_file(
                str(path), self.bucket_for(key), key, ExtraArgs=self._extra(key, content_type)
            )
        except (ClientError, BotoCoreError) as error:
            raise translate(error, key) from error

    def get_bytes(self, key: str) -> bytes:
        check_key(key)
        try:
            body = self.client.get_object(Bucket=self.bucket_for(key), Key=key)["Body"]
            return bytes(body.read())
        except (ClientError, BotoCoreError) as error:
            raise translate(error, key) from error

    def get_file(self, key: str, dest: Path) -> Path:
        check_key(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".tmp-{dest.name}")
        try:
            self.client.download_file(self.bucket_for(key), key, str(tmp))
            tmp.replace(dest)
        except (ClientError, BotoCoreError) as error:
            tmp.unlink(missing_ok=True)
            raise translate(error, key) from error
        return dest

    def exists(self, key: str) -> bool:
        check_key(key)
        try:
            self.client.head_object(Bucket=self.bucket_for(key), Key=key)
        except (ClientError, BotoCoreError) as error:
            domain = translate(error, key)
            if isinstance(domain, NotFound):
                return False
            raise domain from error
        return True

    def list(self, prefix: str) -> list[str]:
        buckets = {self.bucket, *(bucket for _, bucket in self.routes)}
        keys: set[str] = set()
        for bucket in sorted(buckets):
            try:
                pages = self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=prefix
                )
                for page in pages:
                    for entry in page.get("Contents", []):
                        key = entry["Key"]
                        if self.bucket_for(key) == bucket:  # only keys this store routes there
                            keys.add(key)
            except (ClientError, BotoCoreError) as error:
                raise translate(error, prefix) from error
        return sorted(keys)

    def delete(self, key: str) -> None:
        """Gone for good: every stored version of ``key`` and its delete markers, not just a new
        delete marker on a versioned bucket (an erased tenant's old versions must not linger
        until the noncurrent-version expiry)."""
        check_key(key)
        bucket = self.bucket_for(key)
        try:
            versions: list[dict[str, str]] = []
            pages = self.client.get_paginator("list_object_versions").paginate(
                Bucket=bucket, Prefix=key
            )
            for page in pages:
                for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                    if entry["Key"] == key:  # the prefix also matches longer keys
                        versions.append({"Key": key, "VersionId": entry["VersionId"]})
            for start in range(0, len(versions), 1000):  # DeleteObjects takes 1,000 at most
                answer = self.client.delete_objects(
                    Bucket=bucket, Delete={"Objects": versions[start : start + 1000], "Quiet": True}
                )
                if answer.get("Errors"):
                    first = answer["Errors"][0]
                    raise StorageUnavailable(
                        f"could not delete {key}: {first.get('Code')} {first.get('Message')}"
                    )
        except (ClientError, BotoCoreError) as error:
            raise translate(error, key) from error

    def download_url(self, key: str, expires_s: int = 3600, filename: str | None = None) -> str:
        check_key(key)
        params: dict[str, str] = {"Bucket": self.bucket_for(key), "Key": key}
        if filename:
            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return str(
            self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_s)
        )

    def upload_url(self, key: str, expires_s: int = 900, max_bytes: int | None = None) -> str:
        """A presigned PUT. ``max_bytes`` cannot be enforced by a presigned PUT (only a POST
        policy can); the API checks the object's size before it starts a render."""
        check_key(key)
        params = {"Bucket": self.bucket_for(key), "Key": key}
        return str(
            self.client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_s)
        )

    def copy_in(
        self, source_bucket: str, source_key: str, key: str, version_id: str | None = None
    ) -> None:
        """Server-side copy of an object from another bucket (the dropbox) to ``key``."""
        check_key(key)
        source: dict[str, str] = {"Bucket": source_bucket, "Key": source_key}
        if version_id:
            source["VersionId"] = version_id
        try:
            self.client.copy(source, self.bucket_for(key), key)
        except (ClientError, BotoCoreError) as error:
            raise translate(error, f"s3://{source_bucket}/{source_key}") from error

    # --- objects outside this store's buckets (the dropbox) ------------------------------------
    def read_from(self, bucket: str, key: str) -> bytes:
        """One object of another bucket; ``NotFound`` when it is not there."""
        try:
            body = self.client.get_object(Bucket=bucket, Key=key)["Body"]
            return bytes(body.read())
        except (ClientError, BotoCoreError) as error:
            raise translate(error, f"s3://{bucket}/{key}") from error

    def write_to(self, bucket: str, key: str, data: bytes, content_type: str | None = None) -> None:
        """One object into another bucket (a single PUT: readers see all of it or nothing)."""
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self.client.put_object(Bucket=bucket, Key=key, Body=data, **extra)
        except (ClientError, BotoCoreError) as error:
            raise translate(error, f"s3://{bucket}/{key}") from error

    def copy_out(self, key: str, bucket: str, dest_key: str) -> None:
        """Server-side copy of ``key`` to another bucket (multipart above 8 MB, never partial)."""
        check_key(key)
        try:
            self.client.copy({"Bucket": self.bucket_for(key), "Key": key}, bucket, dest_key)
        except (ClientError, BotoCoreError) as error:
            raise translate(error, f"s3://{bucket}/{dest_key}") from error
