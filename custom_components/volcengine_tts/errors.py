"""Where Volcengine's errors become Home Assistant's, in one place.

The client raises typed errors; users see a translated message saying what
to do, with the server's code and ``X-Tt-Logid`` for support requests.
"""

from __future__ import annotations

from typing import Final

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .volcengine import (
    AudioSourceError,
    AudioTooLongError,
    AuthenticationError,
    CloneRecordingError,
    CloneSlotNotFoundError,
    EmptyAudioError,
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
    TrainingLimitError,
    TranscriptMismatchError,
    TransientServerError,
    UnknownVoiceError,
    UnsupportedCredentialsError,
    VoiceprintError,
    VolcengineConnectionError,
    VolcengineError,
    VolcengineTimeoutError,
)

# Most specific class first: the first match wins.
_TRANSLATION_KEYS: Final[tuple[tuple[type[VolcengineError], str], ...]] = (
    (AuthenticationError, "invalid_auth"),
    (UnsupportedCredentialsError, "api_key_needs_v3"),
    (PermissionDeniedError, "resource_not_granted"),
    (CloneSlotNotFoundError, "slot_not_found"),
    (UnknownVoiceError, "unknown_voice"),
    (MessageTooLongError, "message_too_long"),
    (SsmlNotSupportedError, "ssml_not_supported"),
    (SsmlTooLongError, "ssml_too_long"),
    (NothingToSpeakError, "nothing_to_speak"),
    (EmptyAudioError, "empty_audio"),
    (AudioTooLongError, "audio_too_long"),
    (AudioSourceError, "audio_source_failed"),
    (InvalidResourceError, "invalid_resource"),
    (InvalidEndpointError, "invalid_endpoint"),
    (TranscriptMismatchError, "transcript_mismatch"),
    (VoiceprintError, "voiceprint_failed"),
    (CloneRecordingError, "recording_refused"),
    (InvalidInputError, "invalid_input"),
    (TrainingLimitError, "training_limit"),
    (QuotaExhaustedError, "quota_exhausted"),
    (RateLimitError, "rate_limited"),
    (TransientServerError, "service_unavailable"),
    (TextStalledError, "text_stalled"),
    (TextSourceCancelledError, "text_interrupted"),
    (VolcengineTimeoutError, "timeout"),
    (VolcengineConnectionError, "cannot_connect"),
    (ProtocolError, "protocol_error"),
)

FALLBACK_KEY: Final = "service_error"
ERROR_KEYS: Final = (*dict.fromkeys(key for _, key in _TRANSLATION_KEYS), FALLBACK_KEY)
"""Every key :func:`translation_key` may return: the last-error sensor's states."""

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


# The cloning form's answers: its own words where cloning has them, else the set-up's.
_CLONE_FLOW_ERRORS: Final[dict[str, str]] = {
    "slot_not_found": "slot_not_found",
    "transcript_mismatch": "transcript_mismatch",
    "voiceprint_failed": "voiceprint_failed",
    "recording_refused": "recording_refused",
    "training_limit": "training_limit",
    "resource_not_granted": "cloning_not_granted",
}


def clone_flow_error(error: VolcengineError) -> str:
    """Return the cloning flow's error key (under ``config_subentries.clone.error``)."""
    key = translation_key(error)
    return _CLONE_FLOW_ERRORS.get(key) or flow_error(error)


def translation_key(error: VolcengineError) -> str:
    """Return the key under ``exceptions`` that explains ``error`` to a user."""
    for error_class, key in _TRANSLATION_KEYS:
        if isinstance(error, error_class):
            return key
    return FALLBACK_KEY


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
