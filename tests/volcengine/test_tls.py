"""TLS: the client never talks to a server whose certificate nobody vouches for."""

from __future__ import annotations

import ssl

import pytest

from custom_components.volcengine_tts.volcengine import (
    Credentials,
    EngineConfig,
    SynthesisEngine,
    VoiceSettings,
    VolcengineConnectionError,
)
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, EmulatorConfig

VOICE = "zh_female_cancan_mars_bigtts"


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_a_certificate_nobody_vouches_for_is_refused(protocol: str) -> None:
    """A server with a self-signed certificate (a man in the middle) gets no request.

    Here, not among the Home Assistant tests: the emulator's side of the refused
    TLS handshake is reported by asyncio in debug mode, which Home Assistant's
    test fixture turns into a failure of its own.
    """
    async with Emulator(
        EmulatorConfig(accounts={DEFAULT_APP_ID: Account(DEFAULT_APP_ID, DEFAULT_TOKEN)}), tls=True
    ) as tls:
        engine = SynthesisEngine(
            Credentials(DEFAULT_APP_ID, DEFAULT_TOKEN),
            EngineConfig(protocol=protocol, endpoint=tls.url, retry_attempts=0),  # type: ignore[arg-type]
            ssl_context=ssl.create_default_context(),
        )
        with pytest.raises(VolcengineConnectionError):
            await engine.synthesize(
                "洗衣机洗好了", VoiceSettings(voice="zh_female_cancan_mars_bigtts")
            )
        await engine.close()
        assert tls.requests == []
        assert tls.sessions == []
