"""Where Volcengine's errors become Home Assistant's, in one place.

The client raises typed errors; users see a translated message saying what
to do, with the server's code and ``X-Tt-Logid`` for support requests.
"""

from __future__ import annotations

from typing import Final

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .volcengine import (
    AuthenticationError,
    InvalidEndpointError,
    InvalidInputError,
    InvalidResourceError,
    MessageTooLongError,
    NothingToSpeakError,
    PermissionDeniedError,
    ProtocolError,
    QuotaExhaustedError,
    RateLimitError,
    SsmlNotSupportedError,
    SsmlTooLongError,
    TextSourceCancelledError,
    TextStalledError,
    TransientServerError,
    UnknownVoiceError,
    UnsupportedCredentialsError,
    VolcengineConnectionError,
    VolcengineError,
    VolcengineTimeoutError,
)

# Most specific class first: the first match wins.
_TRANSLATION_KEYS: Final[tuple[tuple[type[VolcengineError], str], ...]] = (
    (AuthenticationError, "invalid_auth"),
    (UnsupportedCredentialsError, "api_key_needs_v3"),
    (PermissionDeniedError, "resource_not_granted"),
    (UnknownVoiceError, "unknown_voice"),
    (MessageTooLongError, "message_too_long"),
    (SsmlNotSupportedError, "ssml_not_supported"),
    (SsmlTooLongError, "ssml_too_long"),
    (NothingToSpeakError, "nothing_to_speak"),
    (InvalidResourceError, "invalid_resource"),
    (InvalidEndpointError, "invalid_endpoint"),
    (InvalidInputError, "invalid_input"),
    (QuotaExhaustedError, "quota_exhausted"),
    (RateLimitError, "rate_limited"),
    (TransientServerError, "service_unavailable"),
    (TextStalledError, "text_stalled"),
    (TextSourceCancelledError, "text_interrupted"),
    (VolcengineTimeoutError, "timeout"),
    (VolcengineConnectionError, "cannot_connect"),
    (ProtocolError, "protocol_error"),
)

# The config flow has fewer, coarser answers for the form.
_FLOW_ERRORS: Final[dict[str, str]] = {
    "invalid_auth": "invalid_auth",
    "api_key_needs_v3": "api_key_needs_v3",
    "resource_not_granted": "resource_not_granted",
    "unknown_voice": "unknown_voice",
    "invalid_endpoint": "invalid_endpoint",
    "timeout": "cannot_connect",
    "cannot_connect": "cannot_connect",
    "service_unavailable": "cannot_connect",
    "rate_limited": "cannot_connect",
    "quota_exhausted": "quota_exhausted",
    "invalid_resource": "invalid_resource",
    "invalid_input": "invalid_input",
}


def translation_key(error: VolcengineError) -> str:
    """Return the key under ``exceptions`` that explains ``error`` to a user."""
    for error_class, key in _TRANSLATION_KEYS:
        if isinstance(error, error_class):
            return key
    return "service_error"


def flow_error(error: VolcengineError) -> str:
    """Return the config-flow error key (under ``config.error``) for ``error``."""
    return _FLOW_ERRORS.get(translation_key(error), "unknown")


def to_home_assistant_error(error: VolcengineError) -> HomeAssistantError:
    """Wrap ``error`` in a translated :class:`HomeAssistantError`."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key(error),
        translation_placeholders={"details": details(error)},
    )


def details(error: VolcengineError) -> str:
    """Describe the server's side of an error: code, message and log id."""
    parts = []
    if error.code is not None:
        parts.append(f"code {error.code}")
    if error.server_message:
        parts.append(error.server_message)
    if error.log_id:
        parts.append(f"X-Tt-Logid {error.log_id}")
    return "; ".join(parts) or error.message
