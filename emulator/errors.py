"""The service's error codes and the messages the real service is documented to send."""

import json
from enum import IntEnum
from typing import Final

GRANT_NOT_FOUND: Final = "authenticate request: load grant: requested grant not found"
ACCESS_DENIED: Final = "extract request resource id: get resource id: access denied"
_ACCESS_DENIED_HTTP_STATUS: Final = 403


class ErrorCode(IntEnum):
    """v1 error codes (3000 is success and never sent in an error frame)."""

    INVALID_REQUEST = 3001
    CONCURRENCY_EXCEEDED = 3003
    BACKEND_BUSY = 3005
    DUPLICATE_REQID = 3006
    TEXT_TOO_LONG = 3010
    ILLEGAL_TEXT = 3011
    TIMEOUT = 3030
    BACKEND_ERROR = 3031
    WAIT_AUDIO_TIMEOUT = 3032
    BACKEND_LINK_ERROR = 3040
    VOICE_NOT_FOUND = 3050


class ServiceError(Exception):
    """A request the service answers with an error frame (and then closes the connection)."""

    def __init__(self, code: int, message: str, *, json_body: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.json_body = json_body


def invalid_request(detail: str) -> ServiceError:
    """Reject a request the service cannot parse or that lacks a required field."""
    return ServiceError(ErrorCode.INVALID_REQUEST, f"invalid request: {detail}")


def grant_not_found() -> ServiceError:
    """Reject an unknown app id or a token that is not the app id's."""
    return ServiceError(ErrorCode.INVALID_REQUEST, GRANT_NOT_FOUND)


def access_denied(reqid: str) -> ServiceError:
    """Reject a cluster or voice the account has not bought, in the observed JSON shape."""
    body = {
        "reqid": reqid,
        "message": ACCESS_DENIED,
        "code": _ACCESS_DENIED_HTTP_STATUS,
        "backend_code": 0,
    }
    return ServiceError(ErrorCode.INVALID_REQUEST, json.dumps(body), json_body=True)


class V3Code(IntEnum):
    """Status codes of the v3 endpoints ("新框架错误码")."""

    OK = 20000000
    CLIENT_ERROR = 45000000
    """Permission or concurrency quota problems."""
    INVALID_PARAMS = 45000001
    SERVER_ERROR = 55000000
    SESSION_ERROR = 55000001
    TEXT_LIMIT_EXCEEDED = 40402003
    INVALID_API_KEY = 45000010
    """A wrong ``X-Api-Key``: the handshake succeeds, the first frame is refused."""
    QUOTA_EXCEEDED = 45000292
    """The account's character quota is used up."""


CONCURRENCY_QUOTA_EXCEEDED: Final = "quota exceeded for types: concurrency"
LIFETIME_QUOTA_EXCEEDED: Final = "quota exceeded for types: tts_lifetime"
"""The documented "quota exceeded for types: xxx_lifetime" (trial used up); ``xxx`` filled in."""
QUOTA_REFUSED_AT_START_SESSION: Final = True
"""ASSUMPTION (the notes do not say when v3 refuses a used-up quota): at StartSession,
with SessionFailed 45000292, before any text, like a voice the account lacks. False
moves the refusal to the session's first TaskRequest."""
SPEAKER_ACCESS_DENIED: Final = "speaker permission denied: get resource id: access denied"
RESOURCE_MISMATCH: Final = "resource ID is mismatched with speaker related resource"
INVALID_API_KEY: Final = "The API key or AK/SK in the request is missing or invalid."
"""Reported by Open-Less/openless#931 (error frame code 45000010 after the upgrade)."""


class V3Error(Exception):
    """A v3 failure, reported as SessionFailed, ConnectionFailed or an error frame."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def payload(self) -> dict[str, int | str]:
        """Describe the failure as the ``{"status_code", "message"}`` JSON v3 events carry."""
        return {"status_code": self.code, "message": self.message}


def invalid_params(detail: str) -> V3Error:
    """Reject a v3 request whose parameters are missing or out of range."""
    return V3Error(V3Code.INVALID_PARAMS, detail)
