"""How server replies map to typed errors."""

from __future__ import annotations

import json

import pytest

from custom_components.volcengine_tts.volcengine.wire.errors import (
    AuthenticationError,
    InvalidInputError,
    InvalidResourceError,
    PermissionDeniedError,
    ProtocolError,
    QuotaExhaustedError,
    RateLimitError,
    ServerError,
    TransientServerError,
    UnknownVoiceError,
    VolcengineConnectionError,
    VolcengineError,
    error_from_handshake,
    error_from_server,
    error_from_text_frame,
)

ACCESS_DENIED_JSON = json.dumps(
    {
        "reqid": "r",
        "message": "extract request resource id: get resource id: access denied",
        "code": 403,
        "backend_code": 0,
    }
)


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (3001, "authenticate request: load grant: requested grant not found", AuthenticationError),
        (3001, ACCESS_DENIED_JSON, PermissionDeniedError),
        (3001, '{"message": "something else", "code": 403}', PermissionDeniedError),
        (
            3001,
            "[resource_id=volc.tts.default] requested resource not granted",
            PermissionDeniedError,
        ),
        (3031, "Fail to feed text, reason Init Engine Instance failed", PermissionDeniedError),
        (3001, "quota exceeded for types: concurrency", RateLimitError),
        (3001, "quota exceeded for types: tts_lifetime", QuotaExhaustedError),
        (3001, "invalid params", InvalidInputError),
        (3010, "text too long", InvalidInputError),
        (3011, "illegal input text!", InvalidInputError),
        (3050, "voice_type not exist", UnknownVoiceError),
        (3003, "too many requests", RateLimitError),
        (3005, "server busy", TransientServerError),
        (3006, "duplicate reqid", TransientServerError),
        (3030, "timeout", TransientServerError),
        (3031, "backend error", TransientServerError),
        (3032, "wait audio timeout", TransientServerError),
        (3040, "backend link error", TransientServerError),
        (55000000, "server error", TransientServerError),
        (45000001, "bad params", InvalidInputError),
        (45000292, "quota", QuotaExhaustedError),
        (99999, "something new", ServerError),
    ],
)
def test_error_frames_map_to_classes(
    code: int, message: str, expected: type[VolcengineError]
) -> None:
    error = error_from_server(code, message, log_id="LOG1")
    assert type(error) is expected
    assert error.code == code
    assert error.log_id == "LOG1"
    assert "LOG1" in str(error)
    assert str(code) in str(error)


def test_nested_json_message_is_unwrapped() -> None:
    error = error_from_server(3001, ACCESS_DENIED_JSON)
    assert error.server_message == "extract request resource id: get resource id: access denied"


def test_retryable_flags() -> None:
    assert RateLimitError("x").retryable
    assert TransientServerError("x").retryable
    assert VolcengineConnectionError("x").retryable
    assert not QuotaExhaustedError("x").retryable
    assert not AuthenticationError("x").retryable
    assert not InvalidInputError("x").retryable


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, InvalidResourceError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (429, RateLimitError),
        (500, TransientServerError),
        (503, TransientServerError),
        (404, VolcengineConnectionError),
    ],
)
def test_handshake_statuses(status: int, expected: type[VolcengineError]) -> None:
    error = error_from_handshake(status, b'{"message": "nope"}', log_id="L")
    assert type(error) is expected
    assert error.code == status
    assert error.server_message == "nope"


def test_text_frame_with_json_error() -> None:
    error = error_from_text_frame('{"code": 3003, "message": "too busy"}')
    assert isinstance(error, RateLimitError)


def test_text_frame_with_status_code_field() -> None:
    error = error_from_text_frame('{"status_code": 45000000, "error": "access denied"}')
    assert isinstance(error, PermissionDeniedError)


@pytest.mark.parametrize("text", ["hello", "[1, 2]", '{"code": "x"}'])
def test_other_text_frames_are_protocol_errors(text: str) -> None:
    assert isinstance(error_from_text_frame(text), ProtocolError)


def test_str_without_details_is_the_message() -> None:
    assert str(VolcengineError("plain")) == "plain"


def test_a_refused_resource_is_not_a_credential_problem() -> None:
    error = error_from_handshake(403, b'{"message": "requested resource not granted"}')
    assert isinstance(error, PermissionDeniedError)
    assert isinstance(error_from_handshake(403, b"forbidden"), AuthenticationError)
    assert isinstance(error_from_handshake(400, b"invalid resource id"), InvalidResourceError)
