"""Pure units: webhook signatures, the SSRF guard on literal addresses, signed links, keys."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from estudio.api.urls import UrlSigner
from estudio.errors import InvalidWebhookUrl, NotFound
from estudio.webhooks.signing import sign, verify
from estudio.webhooks.ssrf import check_webhook_url


def test_given_a_body_when_signed_then_header_is_hmac_of_timestamp_dot_body() -> None:
    header = sign("whsec_abc", b'{"a":1}', timestamp=1700000000)
    expected = hmac.new(b"whsec_abc", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_given_a_signature_when_verified_then_only_the_exact_body_secret_and_fresh_time_pass() -> (
    None
):
    header = sign("s3cret", b"body", timestamp=1000)
    assert verify("s3cret", b"body", header, now=1100)
    assert not verify("s3cret", b"body!", header, now=1100)
    assert not verify("other", b"body", header, now=1100)
    assert not verify("s3cret", b"body", header, now=1000 + 301)  # too old: replay refused
    assert not verify("s3cret", b"body", "v1=deadbeef", now=1000)
    assert not verify("s3cret", b"body", "garbage", now=1000)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
        "http://100.64.0.1/",
        "ftp://8.8.8.8/",
        "http://user:pw@8.8.8.8/",
        "http:///nohost",
    ],
)
def test_given_an_internal_or_malformed_url_when_checked_then_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url)


def test_given_a_public_address_when_checked_then_accepted() -> None:
    assert check_webhook_url("https://8.8.8.8/hook") == "https://8.8.8.8/hook"


def test_given_private_webhooks_allowed_when_loopback_checked_then_accepted() -> None:
    assert check_webhook_url("http://127.0.0.1:9000/h", allow_private=True)


def test_given_a_signed_token_when_read_then_claims_come_back_and_tampering_fails() -> None:
    signer = UrlSigner(b"x" * 32)
    token = signer.token("download", "jobs/a/out/video.mp4", 60, f="video.mp4")
    assert signer.read("download", token)["k"] == "jobs/a/out/video.mp4"
    with pytest.raises(NotFound):
        signer.read("upload", token)  # wrong purpose
    with pytest.raises(NotFound):
        UrlSigner(b"y" * 32).read("download", token)  # wrong key
    payload, mac = token.split(".")
    with pytest.raises(NotFound):
        signer.read("download", payload[:-2] + "AA." + mac)
    expired = signer.token("download", "k", -1)
    with pytest.raises(NotFound):
        signer.read("download", expired)


def test_given_a_malformed_ipv6_literal_then_invalid_webhook_url_not_a_crash() -> None:
    from estudio.errors import InvalidWebhookUrl
    from estudio.webhooks.ssrf import check_webhook_url

    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url("http://[::1/hook")
