"""Refuse webhook URLs that point inside the network (SSRF): private, loopback, link-local…"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from estudio.errors import InvalidWebhookUrl


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
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


def check_webhook_url(url: str, allow_private: bool = False) -> str:
    """Validate ``url`` for delivery; returns it unchanged or raises ``InvalidWebhookUrl``."""
    try:
        parts = urlsplit(url)
    except ValueError as error:  # e.g. an unbalanced "[" (IPv6 literal)
        raise InvalidWebhookUrl("webhook URL is malformed") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhookUrl("webhook URL must be http(s) with a host")
    if parts.username or parts.password:
        raise InvalidWebhookUrl("webhook URL must not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise InvalidWebhookUrl("webhook URL has an invalid port") from error
    if allow_private:
        return url
    for text in resolve(parts.hostname, port):
        if _forbidden(ipaddress.ip_address(text.split("%")[0])):
            raise InvalidWebhookUrl(
                "webhook URL resolves to a private, loopback or link-local address",
                host=parts.hostname,
            )
    return url
