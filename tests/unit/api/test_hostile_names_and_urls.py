"""Hostile webhook URLs and file names: embedded private addresses refused (no DNS: IP literals
resolve to themselves); names cut to their last segment in NFC; exact names in downloads."""

from __future__ import annotations

import pytest

from estudio.errors import InvalidWebhookUrl
from estudio.webhooks.ssrf import check_webhook_url, resolve_target

EMBEDDED = [
    "http://[2002:7f00:1::]/",  # 6to4 for 127.0.0.1
    "http://[2002:a00:1::]/",  # 6to4 for 10.0.0.1
    "http://[2002:808:808::]/",  # 6to4 even for a public address: a relay decides, not us
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo (client 127.0.0.1)
    "http://[64:ff9b::7f00:1]/",  # NAT64 for 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 for 169.254.169.254 (instance metadata)
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:a9fe:a9fe]/",  # IPv4-mapped metadata address
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::ffff:0:7f00:1]/",  # IPv4-translated
    "http://[::1]/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://0177.0.0.1/",  # octal 127.0.0.1
    "http://2130706433/",  # decimal 127.0.0.1
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",
]


@pytest.mark.parametrize("url", EMBEDDED)
def test_given_an_embedded_or_private_address_when_checked_then_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url)


@pytest.mark.parametrize("url", ["http://8.8.8.8/hook", "https://[2606:4700:4700::1111]/"])
def test_given_a_public_literal_when_resolved_then_that_address_is_the_target(url: str) -> None:
    target = resolve_target(url)
    assert target.address in url


@pytest.mark.parametrize("url", ["http://8.8.8.8/a b", "http://8.8.8.8/\x00", "http://8.8.8.8/\t"])
def test_given_control_characters_in_a_url_when_checked_then_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url, allow_private=True)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pptx", "passwd.pptx"),
        ("C:\\Users\\ana\\Aula 1.pptx", "Aula 1.pptx"),
        ("Aula\x00.pptx", "Aula.pptx"),
        ("Ac\u0327a\u0303o.pptx", "Ação.pptx"),  # NFD in, NFC out
        ("..", "deck.pptx"),
        ("", "deck.pptx"),
    ],
)
def test_given_a_hostile_file_name_when_cleaned_then_only_its_last_segment_in_nfc_stays(
    raw: str, clean: str
) -> None:
    from estudio.names import clean_filename

    assert clean_filename(raw) == clean


def test_given_a_unicode_name_in_content_disposition_then_ascii_fallback_and_exact_name() -> None:
    from estudio.names import content_disposition, parse_disposition

    header = content_disposition('Segurança "NR-10"; parte 1.mp4', "attachment")
    assert header.startswith('attachment; filename="Seguranca _NR-10__ parte 1.mp4"')
    assert header.encode("latin-1")  # a header must be latin-1 safe
    kind, params = parse_disposition(header.encode())
    assert kind == "attachment" and params["filename"] == 'Segurança "NR-10"; parte 1.mp4'
