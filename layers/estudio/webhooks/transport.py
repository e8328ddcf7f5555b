"""Connect to the address that was checked, not to whatever the name resolves to next.

A webhook host is resolved once (``ssrf.resolve_target``); every address is checked, and the
request connects to the first one by IP. The URL keeps its host name, so the ``Host`` header and
TLS (SNI and certificate verification) still name the host: only the TCP connect is pinned. That
closes the DNS-rebinding window between the check and the connection. Proxies from the
environment are ignored (a proxy would resolve the name again).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx


class PinnedBackend(httpcore.SyncBackend):
    """A network backend whose every TCP connect goes to ``address``."""

    def __init__(self, address: str) -> None:
        self.address = address

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return super().connect_tcp(self.address, port, timeout, local_address, socket_options)


class PinnedTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` that connects to one pre-resolved IP address."""

    def __init__(self, address: str, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify, trust_env=False)
        ssl_context = self._pool._ssl_context
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=1,
            max_keepalive_connections=0,
            network_backend=PinnedBackend(address),
        )


def pinned_client(
    address: str, timeout_s: float, verify: ssl.SSLContext | bool = True
) -> httpx.Client:
    return httpx.Client(
        transport=PinnedTransport(address, verify),
        timeout=timeout_s,
        follow_redirects=False,
        trust_env=False,
    )
