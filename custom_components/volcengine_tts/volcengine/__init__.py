"""Async client for ByteDance Volcengine (豆包) speech: synthesis, recognition, cloning.

Independent of Home Assistant: it depends on ``websockets`` (and ``aiohttp``,
``markdown-it-py`` and PyAV for one module each), so it can be tested and
reused on its own. Four families, imports going one way:

- ``wire``, the bottom every family shares: ``frames`` (bytes), ``transport``
  (one safe websocket), ``errors``, ``models`` (credentials, settings,
  resource ids), ``slots`` (the request limit of one-connection-per-request
  work) and ``tasks``;
- ``synthesis``: ``v1`` (one v1 request), ``bidirection`` (v3 connections and
  sessions), ``unidirectional`` (the v3 unidirectional API, SSML's road),
  ``text`` (sentences), ``markup`` and ``spoken`` (what a screen shows, not
  its Markdown), ``ssml``, ``replay`` (text a retry runs through again),
  ``pool`` and ``warmth`` (warm connections, lent as sessions), ``exchange``
  (one v3 request's sender, reader and cleanup) and ``engine`` (many requests);
- ``recognition``: ``client`` (one utterance) and ``engine``;
- ``cloning``: ``client`` (two HTTPS calls on a caller's web session) and
  ``recording`` (what the service would refuse, checked before upload).

This module is the facade the integration imports from.
"""

from .cloning.client import (
    CloneLanguage,
    CloneRecording,
    CloneRecordingError,
    CloneSlotNotFoundError,
    InvalidSlotError,
    RecordingFormat,
    TrainingLimitError,
    TrainingStatus,
    TranscriptMismatchError,
    VoiceCloneClient,
    VoiceprintError,
    VoiceSlot,
    VoiceStatus,
)
from .recognition.client import (
    DEFAULT_RECOGNITION_RESOURCE_ID,
    RECOGNITION_RESOURCE_IDS,
    RecognitionSettings,
    Transcript,
)
from .recognition.engine import RecognitionConfig, RecognitionEngine
from .synthesis.bidirection import resource_id_for_voice
from .synthesis.engine import EngineConfig, SynthesisEngine
from .synthesis.v1 import V1Client
from .wire.errors import (
    AudioSourceError,
    AudioTooLongError,
    AuthenticationError,
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
    ServerError,
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
from .wire.models import (
    DEFAULT_CLUSTER,
    RESOURCE_IDS,
    ApiKeyCredentials,
    AudioEncoding,
    Credentials,
    ServiceCredentials,
    SynthesisRequest,
    VoiceSettings,
)
from .wire.transport import DEFAULT_ENDPOINT

__all__ = [
    "DEFAULT_CLUSTER",
    "DEFAULT_ENDPOINT",
    "DEFAULT_RECOGNITION_RESOURCE_ID",
    "RECOGNITION_RESOURCE_IDS",
    "RESOURCE_IDS",
    "ApiKeyCredentials",
    "AudioEncoding",
    "AudioSourceError",
    "AudioTooLongError",
    "AuthenticationError",
    "CloneLanguage",
    "CloneRecording",
    "CloneRecordingError",
    "CloneSlotNotFoundError",
    "Credentials",
    "EmptyAudioError",
    "EngineConfig",
    "InvalidEndpointError",
    "InvalidInputError",
    "InvalidResourceError",
    "InvalidSlotError",
    "MessageTooLongError",
    "NothingToSpeakError",
    "PermissionDeniedError",
    "ProtocolError",
    "QuotaExhaustedError",
    "RateLimitError",
    "RecognitionConfig",
    "RecognitionEngine",
    "RecognitionSettings",
    "RecordingFormat",
    "ServerError",
    "ServiceCredentials",
    "SsmlNotSupportedError",
    "SsmlTooLongError",
    "SynthesisEngine",
    "SynthesisRequest",
    "TextSourceCancelledError",
    "TextStalledError",
    "TrainingLimitError",
    "TrainingStatus",
    "Transcript",
    "TranscriptMismatchError",
    "TransientServerError",
    "UnknownVoiceError",
    "UnsupportedCredentialsError",
    "V1Client",
    "VoiceCloneClient",
    "VoiceSettings",
    "VoiceSlot",
    "VoiceStatus",
    "VoiceprintError",
    "VolcengineConnectionError",
    "VolcengineError",
    "VolcengineTimeoutError",
    "resource_id_for_voice",
]
