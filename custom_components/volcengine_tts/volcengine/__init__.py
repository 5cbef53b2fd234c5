"""Async client for ByteDance Volcengine (豆包) text-to-speech.

Independent of Home Assistant: it depends on ``websockets`` only, so it can
be tested and reused on its own. Layers, from the bottom: ``frames`` (bytes),
``transport`` (one safe websocket), ``client`` (one v1 request),
``bidirection`` (v3 connections and sessions), ``text`` (sentences),
``replay`` (text a retry runs through again), ``pool`` (warm connections,
lent as sessions), ``slots`` (the request limit of one-connection-per-request
work), ``exchange`` (one v3 request's sender, reader and cleanup) and
``engine`` (many requests). Speech recognition takes the same road:
``recognition`` (one utterance) and ``recognition_engine``. Voice cloning is
two HTTPS calls on a caller's web session (``cloning``).
"""

from .bidirection import RESOURCE_IDS, resource_id_for_voice
from .client import V1Client
from .cloning import (
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
from .engine import EngineConfig, SynthesisEngine
from .errors import (
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
from .models import (
    DEFAULT_CLUSTER,
    ApiKeyCredentials,
    AudioEncoding,
    Credentials,
    ServiceCredentials,
    SynthesisRequest,
    VoiceSettings,
)
from .recognition import (
    DEFAULT_RECOGNITION_RESOURCE_ID,
    RECOGNITION_RESOURCE_IDS,
    RecognitionSettings,
    Transcript,
)
from .recognition_engine import RecognitionConfig, RecognitionEngine
from .transport import DEFAULT_ENDPOINT

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
