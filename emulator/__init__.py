"""A local, protocol-faithful emulator of Volcengine's v1 ``ws_binary`` TTS service.

It stands beside the integration rather than inside it: it has its own frame codec and
imports nothing from ``custom_components``, so client and emulator check each other.
"""

from .audio import render_audio, speech_duration
from .config import (
    DEFAULT_APP_ID,
    DEFAULT_CLUSTER,
    DEFAULT_TOKEN,
    DEFAULT_VOICES,
    Account,
    EmulatorConfig,
    Faults,
    LastFrameLayout,
    ReceivedRequest,
)
from .server import Emulator
from .v1_handler import V1_PATH

__all__ = [
    "DEFAULT_APP_ID",
    "DEFAULT_CLUSTER",
    "DEFAULT_TOKEN",
    "DEFAULT_VOICES",
    "V1_PATH",
    "Account",
    "Emulator",
    "EmulatorConfig",
    "Faults",
    "LastFrameLayout",
    "ReceivedRequest",
    "render_audio",
    "speech_duration",
]
