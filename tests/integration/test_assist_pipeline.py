"""A whole Chinese Assist pipeline on one account: our STT, HA's default agent, our TTS.

Emulator-synthesised speech of "打开客厅的灯" goes into Home Assistant's own
``assist_pipeline``; the recognised text, the intent's response and the reply's audio
come out, and the living-room light is really asked to turn on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

import pytest
from homeassistant.components import assist_pipeline, stt
from homeassistant.components.assist_pipeline import (
    AudioSettings,
    PipelineEvent,
    PipelineEventType,
)
from homeassistant.components.assist_pipeline.pipeline import (
    async_create_default_pipeline,
    async_update_pipeline,
)
from homeassistant.core import Context, HomeAssistant, ServiceCall
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from emulator import Emulator, Faults
from emulator.audio import render_audio

STT_ENTITY = "stt.volcengine_speech_to_text"
TTS_ENTITY = "tts.volcengine_text_to_speech"
COMMAND = "打开客厅的灯"
LIGHT = "light.ke_ting_deng"
METADATA = stt.SpeechMetadata(
    language="zh-CN",
    format=stt.AudioFormats.WAV,
    codec=stt.AudioCodecs.PCM,
    bit_rate=stt.AudioBitRates.BITRATE_16,
    sample_rate=stt.AudioSampleRates.SAMPLERATE_16000,
    channel=stt.AudioChannels.CHANNEL_MONO,
)


async def microphone(audio: bytes) -> AsyncIterator[bytes]:
    """What a satellite sends: raw PCM in 10 ms pieces."""
    for start in range(0, len(audio), 320):
        yield audio[start : start + 320]


@pytest.fixture
async def light_in_the_living_room(hass: HomeAssistant) -> list[ServiceCall]:
    """A light in the area 客厅, exposed to Assist; return its turn-on calls."""
    area = ar.async_get(hass).async_create("客厅")
    registry = er.async_get(hass)
    registry.async_get_or_create("light", "test", "living-room", suggested_object_id="ke_ting_deng")
    registry.async_update_entity(LIGHT, area_id=area.id)
    hass.states.async_set(LIGHT, "off", {"friendly_name": "客厅的灯"})
    return async_mock_service(hass, "light", "turn_on")


@pytest.fixture
async def pipeline_id(hass: HomeAssistant, setup_entry: MockConfigEntry) -> str:
    """A pipeline whose STT and TTS are ours and whose agent is Home Assistant's."""
    hass.config.language = "zh-Hans"
    hass.config.country = "CN"
    for component in ("homeassistant", "intent", "conversation", "assist_pipeline"):
        assert await async_setup_component(hass, component, {})
    pipeline = await async_create_default_pipeline(hass, STT_ENTITY, TTS_ENTITY, "Volcengine")
    assert pipeline is not None
    await async_update_pipeline(
        hass,
        pipeline,
        conversation_engine="conversation.home_assistant",
        conversation_language="zh-CN",
        language="zh-CN",
        stt_engine=STT_ENTITY,
        stt_language="zh-CN",
        tts_engine=TTS_ENTITY,
        tts_language="zh-CN",
    )
    return pipeline.id


async def run_pipeline(hass: HomeAssistant, pipeline: str, audio: bytes) -> list[PipelineEvent]:
    events: list[PipelineEvent] = []
    await assist_pipeline.async_pipeline_from_audio_stream(
        hass,
        context=Context(),
        event_callback=events.append,
        stt_metadata=METADATA,
        stt_stream=microphone(audio),
        pipeline_id=pipeline,
        tts_audio_output="wav",
        # The stream ends when the audio does (a satellite's VAD would end it otherwise).
        audio_settings=AudioSettings(is_vad_enabled=False),
    )
    return events


def event_data(events: list[PipelineEvent], kind: PipelineEventType) -> dict[str, Any]:
    (found,) = [event for event in events if event.type is kind]
    assert found.data is not None
    return found.data


async def test_spoken_command_in_recognised_text_intent_and_reply_audio_out(
    hass: HomeAssistant,
    emulator: Emulator,
    pipeline_id: str,
    light_in_the_living_room: list[ServiceCall],
    hass_client: ClientSessionGenerator,
) -> None:
    speech = render_audio(
        COMMAND, "zh_female_cancan_mars_bigtts", encoding="pcm", sample_rate=16000
    )
    sessions_before = len(emulator.sessions)
    events = await run_pipeline(hass, pipeline_id, speech)

    assert not [event for event in events if event.type is PipelineEventType.ERROR]
    assert event_data(events, PipelineEventType.STT_END)["stt_output"]["text"] == COMMAND
    intent = event_data(events, PipelineEventType.INTENT_END)["intent_output"]
    assert intent["response"]["response_type"] == "action_done"
    reply = intent["response"]["speech"]["plain"]["speech"]
    assert reply
    assert [call.data["entity_id"] for call in light_in_the_living_room] == [[LIGHT]]

    tts_output = event_data(events, PipelineEventType.TTS_END)["tts_output"]
    client = await hass_client()
    response = await client.get(tts_output["url"])  # what the satellite fetches
    assert response.status == HTTPStatus.OK
    audio = await response.read()
    assert audio.startswith(b"RIFF")
    assert len(audio) > 44
    spoken = [text for session in emulator.sessions[sessions_before:] for text in session.texts]
    assert "".join(spoken) == reply  # the agent's reply is what our TTS spoke


async def test_a_recognition_failure_ends_the_pipeline_with_an_stt_error(
    hass: HomeAssistant, emulator: Emulator, pipeline_id: str
) -> None:
    emulator.faults = Faults(error_code=55000031, error_message="server busy")
    speech = render_audio(COMMAND, "v", encoding="pcm", sample_rate=16000)
    events = await run_pipeline(hass, pipeline_id, speech)
    error = event_data(events, PipelineEventType.ERROR)
    assert error["code"] == "stt-stream-failed"
    assert not [event for event in events if event.type is PipelineEventType.INTENT_START]
