"""The integration inside a real ``hass`` process, driven as a user drives it.

One Home Assistant per module (booting takes seconds): onboarded through the REST API,
with the integration added through its setup form against an emulator on loopback. The
emulator runs on a thread of this process so the tests can read what it received.

Streaming *input* cannot be reached from outside in Home Assistant 2026.2: the only
caller that feeds text to a TTS entity while it is still being written is an Assist
pipeline whose conversation agent streams (an LLM), and the pipeline needs packages
this project does not install (``hassil``, ``home-assistant-intents``, ``pymicro-vad``,
``pyspeex-noise``). So the streaming test checks streaming *output*, and that the
integration still hands the text to Volcengine sentence by sentence.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import pytest_asyncio
import pytest_socket  # type: ignore[import-untyped]
from mutagen.mp3 import MP3

from emulator import DEFAULT_APP_ID, Emulator, ReceivedSession, render_audio, speech_duration
from scripts.ha_process import (
    REQUEST_TIMEOUT,
    BackgroundEmulator,
    FetchedAudio,
    HomeAssistantClient,
    HomeAssistantProcess,
)
from tests.deprecations import REPORT

pytestmark = [pytest.mark.timeout(180), pytest.mark.asyncio(loop_scope="module")]

VOICE = "zh_female_cancan_mars_bigtts"
NEW_VOICE = "zh_male_wennuanahu_moon_bigtts"
STREAMING_VOICE = "zh_female_vv_uranus_bigtts"
TEXT = "你好，世界。今天天气很好。"
VALIDATION_TEXTS = ["你好"]


@dataclass(frozen=True, slots=True)
class Deployment:
    """A running Home Assistant with the integration added, and its emulator."""

    home_assistant: HomeAssistantProcess
    emulator: BackgroundEmulator
    access_token: str
    entry_id: str
    tts_entity: str

    def client(self) -> HomeAssistantClient:
        return HomeAssistantClient(self.home_assistant.url, self.access_token)

    def sessions(self) -> list[ReceivedSession]:
        return self.emulator.call(lambda emulator: list(emulator.sessions))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    # Module fixtures run before the per-test `allow_loopback_servers`.
    pytest_socket.enable_socket()
    with BackgroundEmulator() as emulator:
        async with HomeAssistantProcess() as home_assistant:
            async with await HomeAssistantClient.onboard(home_assistant.url) as client:
                entry = await client.add_integration(emulator.settings(VOICE))
                tts_entity = await client.tts_entity(entry["entry_id"])
            assert entry["state"] == "loaded"
            yield Deployment(
                home_assistant, emulator, client.access_token, entry["entry_id"], tts_entity
            )


def _assert_mp3_of(audio: FetchedAudio, text: str, voice: str) -> None:
    expected = render_audio(text, voice)
    assert audio.content_type == "audio/mpeg"
    assert audio.data == expected
    duration = MP3(io.BytesIO(audio.data)).info.length
    assert duration == pytest.approx(MP3(io.BytesIO(expected)).info.length)
    assert duration > speech_duration(text)


async def test_the_setup_form_tries_the_credentials_then_creates_the_entry(
    deployment: Deployment,
) -> None:
    async with deployment.client() as client:
        entry = await client.entry(deployment.entry_id)
    assert entry["state"] == "loaded"
    assert entry["title"] == "Volcengine (app …-app)"  # the app id's tail tells accounts apart
    validations = [s for s in deployment.sessions() if s.texts == VALIDATION_TEXTS]
    assert validations, "the setup form saved the entry without trying the credentials"
    assert validations[0].app_id == DEFAULT_APP_ID
    assert validations[0].speaker == VOICE
    assert validations[0].status_code == 20_000_000


async def test_tts_speak_plays_the_services_mp3_on_a_media_player(
    deployment: Deployment,
) -> None:
    async with deployment.client() as client:
        audio = await client.speak(deployment.tts_entity, TEXT)
    _assert_mp3_of(audio, TEXT, VOICE)


async def test_a_new_default_voice_in_the_options_is_heard_at_once(
    deployment: Deployment,
) -> None:
    assert render_audio(TEXT, NEW_VOICE) != render_audio(TEXT, VOICE)
    async with deployment.client() as client:
        await client.change_options(deployment.entry_id, {"voice": NEW_VOICE})
        # Saving reloads the entry, which tries the new voice before it is loaded again.
        await deployment.emulator.run(_wait_for_validation_with(NEW_VOICE))
        await client.wait_for_entry_state(deployment.entry_id, "loaded")
        # The same text as before: Home Assistant's cache must not replay the old voice.
        audio = await client.speak(deployment.tts_entity, TEXT)
    _assert_mp3_of(audio, TEXT, NEW_VOICE)


async def test_audio_streams_out_while_it_is_being_synthesized(
    deployment: Deployment,
) -> None:
    text = "第一句话。第二句话。第三句话。"

    def pace_in_real_time(factor: float) -> None:
        def change(emulator: Emulator) -> None:
            emulator.config.real_time_factor = factor

        deployment.emulator.call(change)

    pace_in_real_time(1.0)
    try:
        async with deployment.client() as client:
            audio = await client.fetch(
                await client.tts_url(deployment.tts_entity, text, {"voice": STREAMING_VOICE})
            )
    finally:
        pace_in_real_time(0.0)
    _assert_mp3_of(audio, text, STREAMING_VOICE)
    assert len(audio.chunk_times) > 2
    # Real-time pacing spreads the audio over most of its duration; the first part
    # must reach the player long before the last.
    assert audio.total_seconds > speech_duration(text) / 2
    assert audio.first_byte_seconds < audio.total_seconds / 4
    # The last session of that voice with text (a warm one, begun ahead, follows it).
    session = next(
        s for s in reversed(deployment.sessions()) if s.speaker == STREAMING_VOICE and s.texts
    )
    assert session.resource_id == "seed-tts-2.0"
    assert len(session.texts) > 1  # sentence by sentence
    assert "".join(session.texts) == text


async def test_the_log_reports_no_deprecated_use_after_setup_and_options(
    deployment: Deployment,
) -> None:
    """A user's log, after set-up, speaking and an options change (the tests above).

    Home Assistant's own loggers only, as in the suite's guard (tests/deprecations.py).
    """
    log = deployment.home_assistant.log_text()
    assert "Setting up volcengine_tts" in log  # the log is the real one
    reports = [
        line
        for line in log.splitlines()
        if "[homeassistant" in line and "volcengine_tts" in line and REPORT.search(line)
    ]
    assert reports == []


def _wait_for_validation_with(voice: str) -> Callable[[Emulator], Awaitable[None]]:
    async def wait(emulator: Emulator) -> None:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            while not any(
                s.speaker == voice and s.texts == VALIDATION_TEXTS and s.finished
                for s in emulator.sessions
            ):
                ended = sum(1 for s in emulator.sessions if s.status_code is not None or s.canceled)
                await emulator.wait_for_sessions(ended + 1, ended=True)

    return wait
