"""What every section shares: the voice, the message, the engine as Home Assistant builds one."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from custom_components.volcengine_tts.volcengine import (
    Credentials,
    EngineConfig,
    SynthesisEngine,
    VoiceSettings,
)
from emulator import (
    DEFAULT_APP_ID,
    DEFAULT_TOKEN,
    render_audio,
)

from ..measure import Endpoint

VOICE: Final = "zh_female_cancan_mars_bigtts"
SETTINGS: Final = VoiceSettings(voice=VOICE)
CREDENTIALS: Final = Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN)

MESSAGE: Final = "洗衣机洗好了。"
"""A typical automation announcement: one short sentence."""

CONCURRENCY_LIMIT: Final = 2
"""The free tier's limit, on both sides: the engine's pool and the emulated account."""
HANDSHAKE_ROUND_TRIPS: Final = 3
"""TCP, TLS 1.3 and the websocket upgrade: what a connection per request pays again."""
type Protocol = Literal["v3", "v1"]
type Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Options:
    """What the command line chose."""

    rtt: float
    first_chunk: float
    requests: int
    streaming_runs: int
    cpu_requests: int
    cpu_real_time_factor: float
    json_path: Path

    @property
    def floor(self) -> float:
        """The lowest possible time to first audio: the server's delay plus one round trip."""
        return self.first_chunk + self.rtt


def engine_for(
    endpoint: Endpoint, *, protocol: Protocol = "v3", warm: bool = False
) -> SynthesisEngine:
    """An engine as Home Assistant builds one; ``warm`` begins a session ahead of each request."""
    config = EngineConfig(
        protocol=protocol,
        endpoint=endpoint.url,
        max_concurrency=CONCURRENCY_LIMIT,
        warm_settings=SETTINGS if warm else None,
    )
    return SynthesisEngine(CREDENTIALS, config, ssl_context=endpoint.ssl_context)


@contextlib.asynccontextmanager
async def running(engine: SynthesisEngine) -> AsyncIterator[SynthesisEngine]:
    """Close the engine's connections afterwards, so each section starts from a clean slate."""
    try:
        yield engine
    finally:
        await engine.close()


def spoken(sentences: Sequence[str]) -> bytes:
    """The audio the emulator renders for these sentences: what a complete answer is."""
    return b"".join(render_audio(sentence, VOICE) for sentence in sentences)
