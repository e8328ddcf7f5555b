"""Refuse webhook URLs that point inside the network (SSRF): private, loopback, link-local…

A host is resolved once (``resolve_target``) and the delivery connects to the checked address
(``estudio.webhooks.transport``). Besides the private ranges themselves, every IPv6 form that
carries or reaches an IPv4 address is refused outright: IPv4-mapped (``::ffff:0:0/96``),
IPv4-compatible (``::/96``), IPv4-translated (``::ffff:0:0:0/96``), 6to4 (``2002::/16``), Teredo
(``2001::/32``) and NAT64 (``64:ff9b::/96``, ``64:ff9b:1::/48``): they embed an address the
checks of the IPv6 one would not see (``[2002:7f00:1::]`` is 127.0.0.1 over 6to4).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from estudio.errors import InvalidWebhookUrl

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
EMBEDDING_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::/96",  # IPv4-compatible (deprecated), and :: itself
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local-use
    )
)


def _forbidden(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and any(
        address in network for network in EMBEDDING_NETWORKS
    ):
        return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (raises ``InvalidWebhookUrl`` when it does not)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidWebhookUrl(f"webhook host does not resolve: {host}") from error
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int
    address: str  # the checked IP the delivery connects to


def _parse(url: str) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
    except ValueError as error:  # e.g. an unbalanced "[" (IPv6 literal)
        raise InvalidWebhookUrl("webhook URL is malformed") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhookUrl("webhook URL must be http(s) with a host")
    if parts.username or parts.password:
        raise InvalidWebhookUrl("webhook URL must not carry credentials")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise InvalidWebhookUrl("webhook URL must not contain spaces or control characters")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise InvalidWebhookUrl("webhook URL has an invalid port") from error
    return parts.hostname, port


def resolve_target(url: str, allow_private: bool = False) -> Target:
    """Resolve ``url``'s host once and check every address; the first one is connected to."""
    host, port = _parse(url)
    addresses = resolve(host, port)
    if not addresses:
        raise InvalidWebhookUrl(f"webhook host does not resolve: {host}")
    if not allow_private:
        for text in addresses:
            if _forbidden(ipaddress.ip_address(text.split("%")[0])):
                raise InvalidWebhookUrl(
                    "webhook URL resolves to a private, loopback or link-local address",
                    host=host,
                )
    return Target(url, host, port, addresses[0])


def check_webhook_url(url: str, allow_private: bool = False) -> str:
    """Validate ``url`` for delivery; returns it unchanged or raises ``InvalidWebhookUrl``."""
    if allow_private:
        _parse(url)
        return url
    resolve_target(url, allow_private)
    return url
