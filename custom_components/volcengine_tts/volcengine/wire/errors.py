"""Typed errors of the Volcengine client and their mapping from server replies.

Volcengine reports many different problems under code 3001 ("invalid
parameters"); the message text is what tells a bad token from a voice the
account has not bought. :func:`error_from_server` looks at the message first
and the code second, so callers can act on the class alone: retry a
:class:`TransientServerError`, ask the user for a new token on an
:class:`AuthenticationError`, and so on.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Final


class VolcengineError(Exception):
    """Base class: something went wrong talking to Volcengine.

    ``code`` is the service's error code (or HTTP status for a refused
    handshake), ``server_message`` its message, and ``log_id`` the
    ``X-Tt-Logid`` that Volcengine support asks for.
    """

    retryable: ClassVar[bool] = False
    """Whether the same request may succeed when simply sent again."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        server_message: str | None = None,
        log_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.server_message = server_message
        self.log_id = log_id

    def __str__(self) -> str:
        details = [f"code {self.code}"] if self.code is not None else []
        if self.server_message and self.server_message not in self.message:
            details.append(f"server said: {self.server_message}")
        if self.log_id:
            details.append(f"logid {self.log_id}")
        return f"{self.message} ({', '.join(details)})" if details else self.message


class AuthenticationError(VolcengineError):
    """The app id or access token was rejected."""


class PermissionDeniedError(VolcengineError):
    """The credentials are valid but the voice, cluster or resource is not granted."""


class InvalidInputError(VolcengineError):
    """The request itself is invalid: bad parameters, text too long, empty text."""


class NothingToSpeakError(InvalidInputError):
    """The text has no letter, digit or character to speak (only punctuation or spaces)."""


class UnknownVoiceError(InvalidInputError):
    """The voice id does not exist."""


class InvalidResourceError(InvalidInputError):
    """The connection was refused (HTTP 400): usually a wrong resource id."""


class MessageTooLongError(InvalidInputError):
    """The message is longer than the configured cap (an accidental megabyte text)."""


class EmptyAudioError(InvalidInputError):
    """The recogniser received no audio at all (an empty utterance)."""


class AudioTooLongError(InvalidInputError):
    """The utterance ran past the recogniser's cap on audio (a microphone left open)."""


class AudioSourceError(VolcengineError):
    """The caller's audio stream failed while it was read (not the service).

    Whatever the source raised is chained as the cause.
    """


class SsmlNotSupportedError(InvalidInputError):
    """The message is SSML, and the voice does not take SSML (2.0 voices)."""


class SsmlTooLongError(InvalidInputError):
    """The SSML document is longer than one request takes (SSML cannot be split)."""


class RateLimitError(VolcengineError):
    """Too many requests at once; the same request may succeed a moment later."""

    retryable = True


class QuotaExhaustedError(RateLimitError):
    """The account's (trial) character quota is used up: waiting will not help."""

    retryable = False


class TransientServerError(VolcengineError):
    """The service failed in a way that is expected to pass (busy, timeout)."""

    retryable = True


class ServerError(VolcengineError):
    """The service reported an error we have no more specific class for."""


class ProtocolError(VolcengineError):
    """The server sent something that does not follow the protocol."""


class VolcengineConnectionError(VolcengineError):
    """The service could not be reached, or the connection broke."""

    retryable = True


class VolcengineTimeoutError(VolcengineError, TimeoutError):
    """The service did not answer in time."""

    retryable = True


class TextStalledError(VolcengineTimeoutError):
    """The text being spoken (an LLM's reply) stopped arriving for the writer idle limit."""

    retryable = False


class TextSourceCancelledError(VolcengineError):
    """The text being spoken (an LLM's reply) was cancelled at its source before it ended.

    Not the request's own cancellation: the stream of text raised ``CancelledError``
    by itself, so what was spoken is only part of the message.
    """


class QueueFullError(RateLimitError):
    """More requests are waiting than the queue holds."""

    retryable = False


class QueueTimeoutError(VolcengineTimeoutError):
    """A request waited its whole queue timeout for a connection (or a slot): don't wait again."""

    retryable = False


class InvalidEndpointError(VolcengineError, ValueError):
    """The configured service endpoint is not acceptable (e.g. not ``wss://``)."""


class UnsupportedCredentialsError(VolcengineError, ValueError):
    """These credentials cannot log in to this API: v1 takes no API key.

    Raised before anything is sent, so a config flow can say so at once
    instead of letting the service answer with a puzzling refusal.
    """


INVALID_INPUT_CODES: Final = frozenset({3001, 3010, 3011, 45000001, 40402003, 45000002, 45000151})
RATE_LIMIT_CODES: Final = frozenset({3003, 55000031})
QUOTA_CODES: Final = frozenset({45000292})
TRANSIENT_CODES: Final = frozenset(
    {3005, 3006, 3030, 3031, 3032, 3040, 55000000, 55000001, 45000081}
)
AUTHENTICATION_CODES: Final = frozenset({45000010})
"""Not in the documentation but observed: "API key or AK/SK missing or invalid" (the new
console's key, Open-Less/openless#931) and a bad recognition (``sauc``) login."""
PERMISSION_CODES: Final = frozenset({45000030})
"""Recognition: "requested resource not granted"."""
UNKNOWN_VOICE_CODE: Final = 3050
EMPTY_AUDIO_CODE: Final = 45000002
_CODE_CLASSES: Final[tuple[tuple[frozenset[int], type[VolcengineError]], ...]] = (
    (AUTHENTICATION_CODES, AuthenticationError),
    (PERMISSION_CODES, PermissionDeniedError),
    (INVALID_INPUT_CODES, InvalidInputError),
    (RATE_LIMIT_CODES, RateLimitError),
    (QUOTA_CODES, QuotaExhaustedError),
    (TRANSIENT_CODES, TransientServerError),
)

PERMISSION_DENIED: Final = "The voice or resource is not granted to this Volcengine account"

_MESSAGE_CLASSES: Final[tuple[tuple[tuple[str, ...], type[VolcengineError], str], ...]] = (
    (
        (
            "requested grant not found",
            "invalid access token",
            "authenticate request",
            "api key or ak/sk in the request is missing or invalid",
            "app key not found",
        ),
        AuthenticationError,
        "Volcengine rejected the credentials (app id and access token, or API key)",
    ),
    (
        (
            "access denied",
            "not granted",
            "init engine instance failed",
            "resource id is mismatched",
        ),
        PermissionDeniedError,
        PERMISSION_DENIED,
    ),
    (
        ("speaker not found", "voice_type not exist", "voice not exist", "speaker not exist"),
        UnknownVoiceError,
        "The voice does not exist",
    ),
    (
        ("quota exceeded for types: concurrency",),
        RateLimitError,
        "Too many simultaneous requests for this Volcengine account",
    ),
    (
        ("quota exceeded",),
        QuotaExhaustedError,
        "The Volcengine account's quota is used up",
    ),
)

_CODE_DESCRIPTIONS: Final[dict[int, str]] = {
    3001: "Volcengine rejected the request parameters",
    3003: "Too many simultaneous requests for this Volcengine account",
    3005: "The Volcengine service is busy",
    3006: "Volcengine saw a duplicate request id",
    3010: "The text is too long for one request",
    3011: "The text is empty or contains nothing to speak",
    3030: "The Volcengine service timed out",
    3031: "The Volcengine service failed",
    3032: "The Volcengine service timed out waiting for audio",
    3040: "The Volcengine service lost its backend connection",
    3050: "The voice does not exist",
    40402003: "The text is longer than one session accepts",
    45000000: "Volcengine refused the request",
    45000001: "Volcengine rejected the request parameters",
    45000002: "Volcengine received no audio to recognise",
    45000010: "Volcengine rejected the API key or the app's credentials",
    45000030: PERMISSION_DENIED,
    45000081: "Volcengine waited too long for the next audio packet",
    45000151: "Volcengine cannot read the audio format",
    45000292: "The Volcengine account's quota is used up",
    55000031: "The Volcengine service is busy",
    55000000: "The Volcengine service failed",
    55000001: "The Volcengine service lost the session",
}


def error_from_server(code: int, message: str, *, log_id: str | None = None) -> VolcengineError:
    """Turn an error frame (code and message) into the matching typed error."""
    text, inner_code = _unwrap_json_message(message)
    if classified := _classify(text):
        error_class, description = classified
        return error_class(description, code=code, server_message=text, log_id=log_id)
    if inner_code == 403:  # noqa: PLR2004 - the HTTP status Volcengine nests in JSON messages
        return PermissionDeniedError(
            PERMISSION_DENIED, code=code, server_message=text, log_id=log_id
        )
    return _error_class_for_code(code)(
        _CODE_DESCRIPTIONS.get(code, "Volcengine reported an error"),
        code=code,
        server_message=text,
        log_id=log_id,
    )


def error_from_handshake(status: int, body: bytes, *, log_id: str | None = None) -> VolcengineError:
    """Turn a refused websocket handshake (HTTP status and body) into a typed error."""
    text = body[:500].decode("utf-8", errors="replace").strip()
    server_message, _ = _unwrap_json_message(text)
    error_class, description = _handshake_error_class(status)
    classified = _classify(server_message)
    if status == 403 and classified and classified[0] is PermissionDeniedError:  # noqa: PLR2004
        # "requested resource not granted": the credentials are fine.
        error_class, description = PermissionDeniedError, PERMISSION_DENIED
    return error_class(
        description, code=status, server_message=server_message or None, log_id=log_id
    )


def _classify(message: str) -> tuple[type[VolcengineError], str] | None:
    """Recognise the service's tell-tale messages (code 3001 alone says little)."""
    lowered = message.lower()
    for needles, error_class, description in _MESSAGE_CLASSES:
        if any(needle in lowered for needle in needles):
            return error_class, description
    return None


def _handshake_error_class(status: int) -> tuple[type[VolcengineError], str]:
    if status in (401, 403):
        return AuthenticationError, "Volcengine rejected the credentials"
    if status == 400:  # noqa: PLR2004
        return InvalidResourceError, "Volcengine refused the connection: check the resource id"
    if status == 429:  # noqa: PLR2004
        return RateLimitError, "Volcengine refused the connection: too many requests"
    if status >= 500:  # noqa: PLR2004
        return TransientServerError, "The Volcengine service is unavailable"
    return (
        VolcengineConnectionError,
        f"Volcengine refused the websocket connection with HTTP {status}",
    )


REDACTED: Final = "**REDACTED**"
"""What a secret is replaced with, in errors here and in the transport's logs."""


def redact(error: VolcengineError, secrets: tuple[str, ...]) -> None:
    """Scrub secrets from an error's texts in place: servers may echo a request back."""
    for attribute in ("message", "server_message"):
        value = getattr(error, attribute)
        if value:
            for secret in secrets:
                value = value.replace(secret, REDACTED)
            setattr(error, attribute, value)


def json_object(data: str | bytes) -> dict[str, Any] | None:
    """Parse a JSON object sent by the server; ``None`` for anything else.

    Servers (and proxies) can send anything: invalid JSON, a list, or JSON
    nested deeply enough to exhaust the parser's recursion.
    """
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def error_from_text_frame(text: str, *, log_id: str | None = None) -> VolcengineError:
    """Turn a websocket text frame, which servers use for some errors, into an error."""
    document = json_object(text)
    if document is not None:
        code = document.get("code", document.get("status_code"))
        message = document.get("message", document.get("error", text))
        if isinstance(code, int) and isinstance(message, str):
            return error_from_server(code, message, log_id=log_id)
    return ProtocolError(
        "Unexpected text frame from Volcengine", server_message=text[:200], log_id=log_id
    )


def _error_class_for_code(code: int) -> type[VolcengineError]:
    if code == UNKNOWN_VOICE_CODE:
        return UnknownVoiceError
    if code == EMPTY_AUDIO_CODE:
        return EmptyAudioError
    for codes, error_class in _CODE_CLASSES:
        if code in codes:
            return error_class
    return ServerError


def _unwrap_json_message(message: str) -> tuple[str, int | None]:
    """Extract ``message`` and ``code`` from a JSON-encoded error message.

    Volcengine sometimes nests a JSON document such as
    ``{"reqid": ..., "message": "... access denied", "code": 403}`` inside
    the error frame's message; the recognition service sends ``{"error": "..."}``.
    """
    document = json_object(message)
    if document is None:
        return message, None
    inner = document.get("message", document.get("error"))
    code = document.get("code")
    return (
        inner if isinstance(inner, str) else message,
        code if isinstance(code, int) else None,
    )
