"""A local, protocol-faithful emulator of Volcengine's TTS websocket services.

v1 ``ws_binary``, v3 ``bidirection`` and v3 ``unidirectional/stream``, and streaming
speech recognition (``sauc``) that reads back the emulator's own speech; optionally behind
a ``LatencyProxy`` that gives every round trip a real cost.

It stands beside the integration rather than inside it: it has its own frame codec and
imports nothing from ``custom_components``, so client and emulator check each other.
"""

from .audio import render_audio, speech_duration
from .clone_registry import ClonedVoice, CloneRegistry
from .cloning import GET_VOICE_PATH, VOICE_CLONE_PATH
from .config import (
    DEFAULT_API_KEY,
    DEFAULT_APP_ID,
    DEFAULT_CLUSTER,
    DEFAULT_TOKEN,
    DEFAULT_V3_VOICES,
    DEFAULT_VOICES,
    RECOGNITION_RESOURCE_IDS,
    RESOURCE_IDS,
    Account,
    EmulatorConfig,
    Faults,
    LastFrameLayout,
    ReceivedRecognition,
    ReceivedRequest,
    ReceivedSession,
)
from .latency import LatencyProxy
from .sauc_handler import SAUC_ENDPOINTS
from .server import Emulator
from .v1_handler import V1_PATH
from .v3_bidirection import BIDIRECTION_PATH
from .v3_unidirectional import UNIDIRECTIONAL_PATH

__all__ = [
    "BIDIRECTION_PATH",
    "DEFAULT_API_KEY",
    "DEFAULT_APP_ID",
    "DEFAULT_CLUSTER",
    "DEFAULT_TOKEN",
    "DEFAULT_V3_VOICES",
    "DEFAULT_VOICES",
    "GET_VOICE_PATH",
    "RECOGNITION_RESOURCE_IDS",
    "RESOURCE_IDS",
    "SAUC_ENDPOINTS",
    "UNIDIRECTIONAL_PATH",
    "V1_PATH",
    "VOICE_CLONE_PATH",
    "Account",
    "CloneRegistry",
    "ClonedVoice",
    "Emulator",
    "EmulatorConfig",
    "Faults",
    "LastFrameLayout",
    "LatencyProxy",
    "ReceivedRecognition",
    "ReceivedRequest",
    "ReceivedSession",
    "render_audio",
    "speech_duration",
]
