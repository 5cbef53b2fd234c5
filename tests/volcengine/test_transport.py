"""The transport's safety rules: endpoints, TLS, redaction."""

from __future__ import annotations

import logging
import ssl

import pytest
from websockets.frames import Frame, Opcode

from custom_components.volcengine_tts.volcengine.wire.errors import InvalidEndpointError
from custom_components.volcengine_tts.volcengine.wire.transport import (
    REDACTED,
    RedactingLogger,
    build_url,
    is_loopback,
    verified_ssl_context,
)

PATH = "/api/v1/tts/ws_binary"


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("wss://openspeech.bytedance.com", f"wss://openspeech.bytedance.com{PATH}"),
        ("wss://openspeech.bytedance.com/", f"wss://openspeech.bytedance.com{PATH}"),
        (f"wss://openspeech.bytedance.com{PATH}", f"wss://openspeech.bytedance.com{PATH}"),
        (" wss://example.com:8443 ", f"wss://example.com:8443{PATH}"),
        ("ws://127.0.0.1:8765", f"ws://127.0.0.1:8765{PATH}"),
        ("ws://localhost:1", f"ws://localhost:1{PATH}"),
        ("ws://[::1]:2", f"ws://[::1]:2{PATH}"),
        ("openspeech.bytedance.com", f"wss://openspeech.bytedance.com{PATH}"),
        (
            "wss://openspeech.bytedance.com/api/v3/tts/bidirection",
            f"wss://openspeech.bytedance.com{PATH}",
        ),
        ("wss://openspeech.bytedance.com/api/v1/tts", f"wss://openspeech.bytedance.com{PATH}"),
        (
            "wss://openspeech.bytedance.com/api/v3/sauc/bigmodel_async/",
            f"wss://openspeech.bytedance.com{PATH}",
        ),
    ],
)
def test_accepted_endpoints(endpoint: str, url: str) -> None:
    assert build_url(endpoint, PATH) == url


def test_a_full_api_url_of_either_protocol_serves_every_client() -> None:
    """Issue 17.3: the recogniser used to refuse the v3 synthesis URL that synthesis took."""
    for pasted in (
        "wss://openspeech.bytedance.com/api/v3/tts/bidirection",
        "wss://openspeech.bytedance.com/api/v1/tts/ws_binary",
    ):
        for path in (PATH, "/api/v3/tts/bidirection", "/api/v3/sauc/bigmodel_async"):
            assert build_url(pasted, path) == f"wss://openspeech.bytedance.com{path}"


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("ws://openspeech.bytedance.com", "only allowed on this machine"),
        ("ws://192.168.1.2:8765", "only allowed on this machine"),
        ("http://openspeech.bytedance.com", "must start with wss://"),
        ("wss://", "has no host"),
        ("wss://user:pw@openspeech.bytedance.com", "must not contain credentials"),
        ("wss://openspeech.bytedance.com/other", "bare address"),
        ("wss://openspeech.bytedance.com?x=1", "bare address"),
        ("wss://openspeech.bytedance.com:99999", "not an address"),
        ("wss://openspeech.bytedance.com:abc", "not an address"),
        ("wss://@openspeech.bytedance.com", "must not contain credentials"),
        ("wss://exa\u2100mple.com", "not an address"),
    ],
)
def test_refused_endpoints(endpoint: str, reason: str) -> None:
    with pytest.raises(InvalidEndpointError, match=reason):
        build_url(endpoint, PATH)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("LOCALHOST", True),
        ("10.0.0.1", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_tls_verification_cannot_be_disabled() -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with pytest.raises(InvalidEndpointError, match="cannot be disabled"):
        verified_ssl_context(context)
    hostname_only = ssl.create_default_context()
    hostname_only.check_hostname = False
    with pytest.raises(InvalidEndpointError):
        verified_ssl_context(hostname_only)


def test_default_context_verifies() -> None:
    context = verified_ssl_context(None)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_redacting_logger_scrubs_headers_secrets_and_frames(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = RedactingLogger(logging.getLogger("test.redact"), ["sekret-token", "app-42"])
    with caplog.at_level(logging.DEBUG, logger="test.redact"):
        logger.debug("> %s: %s", "Authorization", "Bearer; sekret-token")
        logger.debug("> %s: %s", "X-Api-Access-Key", "whatever")
        logger.debug("payload mentions app-42 and sekret-token")
        logger.debug("> %s", Frame(Opcode.BINARY, b'{"app":{"appid":"app-42"}}'))
        logger.debug("odd %s %s", "only-one-placeholder-filled")  # noqa: PLE1206
        logger.info("no args")
    text = caplog.text
    assert "sekret-token" not in text
    assert "app-42" not in text
    assert "whatever" not in text
    assert text.count(REDACTED) >= 3
    assert "BINARY frame [26 bytes]" in text
    assert "no args" in text


def test_redacting_logger_skips_disabled_levels(caplog: pytest.LogCaptureFixture) -> None:
    logger = RedactingLogger(logging.getLogger("test.redact.quiet"), ["s"])
    with caplog.at_level(logging.INFO, logger="test.redact.quiet"):
        logger.debug("hidden %s", "s")
    assert caplog.text == ""
