"""The local web page's login: a one-time link printed by ``estudio serve``, never a key in HTML.

``estudio serve`` prints ``http://127.0.0.1:8000/#login=<token>``. The fragment never reaches the
server's logs; the page posts the token to ``POST /v1/local/login`` and receives the ``local``
tenant's API key once, then keeps it in the browser's storage for that origin. A token works once.
The exchange also answers only when the ``Host`` header names a loopback host the server is bound
to, so a DNS-rebinding page (``Host: attacker.example``) gets nothing even with a token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def host_name(host_header: str) -> str:
    """``[::1]:8000`` → ``::1``, ``localhost:8000`` → ``localhost`` (lowercase)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback_host(host_header: str) -> bool:
    name = host_name(host_header)
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class LocalLogin:
    """One-time login tokens for the ``local`` tenant's key (kept in memory of the API process)."""

    def __init__(self, key: str) -> None:
        self._key = key
        self._tokens: set[str] = set()
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens.add(hashlib.sha256(token.encode()).hexdigest())
        return token

    def redeem(self, token: str) -> str | None:
        """The key, once per token; None for an unknown or used token."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            for known in list(self._tokens):
                if hmac.compare_digest(known, digest):
                    self._tokens.discard(known)
                    return self._key
        return None
