"""Async client for ByteDance Volcengine (豆包) text-to-speech.

Independent of Home Assistant: it depends on ``websockets`` only, so it can
be tested and reused on its own. Layers, from the bottom: ``frames`` (bytes),
``transport`` (one safe websocket), ``client`` (one request).
"""

from .client import V1Client
from .errors import (
    AuthenticationError,
    InvalidEndpointError,
    InvalidInputError,
    PermissionDeniedError,
    ProtocolError,
    QuotaExhaustedError,
    RateLimitError,
    ServerError,
    TransientServerError,
    UnknownVoiceError,
    VolcengineConnectionError,
    VolcengineError,
    VolcengineTimeoutError,
)
from .models import DEFAULT_CLUSTER, AudioEncoding, Credentials, SynthesisRequest
from .transport import DEFAULT_ENDPOINT

__all__ = [
    "DEFAULT_CLUSTER",
    "DEFAULT_ENDPOINT",
    "AudioEncoding",
    "AuthenticationError",
    "Credentials",
    "InvalidEndpointError",
    "InvalidInputError",
    "PermissionDeniedError",
    "ProtocolError",
    "QuotaExhaustedError",
    "RateLimitError",
    "ServerError",
    "SynthesisRequest",
    "TransientServerError",
    "UnknownVoiceError",
    "V1Client",
    "VolcengineConnectionError",
    "VolcengineError",
    "VolcengineTimeoutError",
]
