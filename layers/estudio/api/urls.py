"""Signed URLs for local mode: downloads and uploads through the API's own routes.

In the cloud the ``BlobStore`` hands out S3 presigned URLs. Locally ``SignedUrlBlobStore`` wraps
the folder store and answers ``download_url``/``upload_url`` with HMAC-signed paths under
``/v1/files`` and ``/v1/uploads`` (relative unless a base URL is given; the API makes them
absolute for the caller). A token names one key, an expiry and a size limit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from estudio.errors import NotFound
from estudio.ports import BlobStore


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UrlSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("URL signing secret too short")
        self._secret = secret

    def token(self, purpose: str, key: str, expires_s: int, **extra: Any) -> str:
        claims = {"p": purpose, "k": key, "e": int(time.time()) + expires_s, **extra}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        mac = hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()
        return f"{payload}.{_b64(mac)}"

    def read(self, purpose: str, token: str) -> dict[str, Any]:
        """The claims of a valid, unexpired token for ``purpose``; ``NotFound`` otherwise."""
        payload, _, mac = token.partition(".")
        try:
            expected = hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(mac)):
                raise NotFound("link not found or expired")
            claims: dict[str, Any] = json.loads(_unb64(payload))
        except (ValueError, TypeError) as error:
            raise NotFound("link not found or expired") from error
        if claims.get("p") != purpose or float(claims.get("e", 0)) < time.time():
            raise NotFound("link not found or expired")
        return claims


class SignedUrlBlobStore:
    """A ``BlobStore`` whose URLs are signed routes of the local API; everything else delegates."""

    def __init__(self, inner: BlobStore, signer: UrlSigner, base_url: str = "") -> None:
        self.inner = inner
        self.signer = signer
        self.base_url = base_url.rstrip("/")

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        self.inner.put_bytes(key, data, content_type)

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        self.inner.put_file(key, path, content_type)

    def get_bytes(self, key: str) -> bytes:
        return self.inner.get_bytes(key)

    def get_file(self, key: str, dest: Path) -> Path:
        return self.inner.get_file(key, dest)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def list(self, prefix: str) -> list[str]:
        return self.inner.list(prefix)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def download_url(self, key: str, expires_s: int = 3600, filename: str | None = None) -> str:
        token = self.signer.token("download", key, expires_s, f=filename or key.rsplit("/", 1)[-1])
        return f"{self.base_url}/v1/files/{quote(token)}"

    def upload_url(self, key: str, expires_s: int = 900, max_bytes: int | None = None) -> str:
        token = self.signer.token("upload", key, expires_s, m=max_bytes)
        return f"{self.base_url}/v1/uploads/{quote(token)}"
