"""SSML and the unidirectional road, driven through Home Assistant.

SSML reaches the service whole, as SSML (v3 unidirectional ``req_params.ssml``, v1
``text_type: ssml``): the emulator's speech says what it spoke (speech marks in its PCM)
and honours ``<break>`` with silence. Voices the catalogue keeps off the bidirectional
API speak through the unidirectional one.
"""

from __future__ import annotations

from array import array
from collections.abc import AsyncGenerator
from http import HTTPStatus
from typing import Any

import pytest
from homeassistant.components import media_source, tts
from homeassistant.components.media_player import ATTR_MEDIA_CONTENT_ID
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.volcengine_tts.audio_output import wav_header
from custom_components.volcengine_tts.voices import voice_by_id
from emulator import Emulator
from emulator.audio import render_audio
from emulator.speech_marks import MarkReader

from .conftest import VOICE

ENTITY_ID = "tts.volcengine_text_to_speech"
SPEAKER = "media_player.kitchen"
DOCUMENT = '<speak>明天<break time="500ms"/>有雨。</speak>'
SPOKEN = "明天有雨。"
SAMPLE_RATE = 24000
VOICE_2_0 = "zh_female_vv_uranus_bigtts"
NOT_ON_BIDIRECTION = (
    "ICL_zh_female_bingruoshaonv_tob",
    "ICL_zh_female_huoponvhai_tob",
    "ICL_zh_female_heainainai_tob",
    "ICL_zh_female_linjuayi_tob",
)


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry, **options: Any) -> None:
    hass.config_entries.async_update_entry(entry, options=options)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _speak_and_fetch(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    calls: list[ServiceCall],
    message: str,
    **options: Any,
) -> bytes:
    data: dict[str, Any] = {
        "entity_id": ENTITY_ID,
        "media_player_entity_id": SPEAKER,
        "message": message,
        "options": options,
    }
    await hass.services.async_call("tts", "speak", data, blocking=True)
    resolved = await media_source.async_resolve_media(
        hass, calls[-1].data[ATTR_MEDIA_CONTENT_ID], None
    )
    client = await hass_client()
    response = await client.get(resolved.url)
    assert response.status == HTTPStatus.OK
    return await response.read()


def _pcm_of(wav: bytes) -> bytes:
    header = wav_header(SAMPLE_RATE)
    assert wav.startswith(header)
    return wav[len(header) :]


def _spoken(pcm: bytes) -> str:
    reader = MarkReader()
    reader.feed(pcm)
    return reader.text


def _longest_silence(pcm: bytes) -> float:
    longest = run = 0
    for sample in array("h", pcm):
        run = run + 1 if sample == 0 else 0
        longest = max(longest, run)
    return longest / SAMPLE_RATE


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_ssml_round_trips_with_a_1_0_voice(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    config_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
    protocol: str,
) -> None:
    await _set_up(hass, config_entry, voice=VOICE, format="wav")
    pcm = _pcm_of(await _speak_and_fetch(hass, hass_client, play_media_calls, DOCUMENT))
    assert _spoken(pcm) == SPOKEN  # the text content, not the tags
    assert _longest_silence(pcm) == pytest.approx(0.5, abs=0.01)  # the <break>
    if protocol == "v3":
        [session] = [session for session in emulator.sessions if DOCUMENT in session.texts]
        assert (session.endpoint, session.ssml) == ("unidirectional", True)
        assert "disable_markdown_filter" not in session.additions
    else:
        [request] = [request for request in emulator.requests if request.text == DOCUMENT]
        assert request.payload["request"]["text_type"] == "ssml"
        assert "extra_param" not in request.payload["request"]


async def test_streamed_ssml_is_sent_whole_through_unidirectional(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    await _set_up(hass, config_entry, voice=VOICE, format="wav")

    async def reply() -> AsyncGenerator[str]:
        for fragment in ("<spe", "ak>明天", '<break time="500ms"/>', "有雨。</speak>"):
            yield fragment

    stream = tts.async_create_stream(hass, ENTITY_ID)
    stream.async_set_message_stream(reply())
    audio = b"".join([chunk async for chunk in stream.async_stream_result()])
    assert _spoken(_pcm_of(audio)) == SPOKEN
    [session] = [session for session in emulator.sessions if session.ssml]
    assert (session.endpoint, session.texts) == ("unidirectional", [DOCUMENT])


async def test_ssml_for_a_2_0_voice_is_a_clear_error(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    with pytest.raises(HomeAssistantError) as raised:
        await entity.async_get_tts_audio(DOCUMENT, "zh-CN", {"voice": VOICE_2_0})
    assert raised.value.translation_key == "ssml_not_supported"
    assert "does not take SSML" in str(raised.value)
    assert not [session for session in emulator.sessions if session.speaker == VOICE_2_0]


async def test_overlong_ssml_is_a_clear_error(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    document = "<speak>" + "长" * 200 + "</speak>"
    with pytest.raises(HomeAssistantError) as raised:
        await entity.async_get_tts_audio(document, "zh-CN", {"voice": VOICE})
    assert raised.value.translation_key == "ssml_too_long"


def test_the_catalogue_keeps_the_four_voices_off_bidirection() -> None:
    for voice_id in NOT_ON_BIDIRECTION:
        voice = voice_by_id(voice_id)
        assert voice is not None
        assert (voice.generation, voice.bidirection) == ("1.0", False)
    known = voice_by_id(VOICE)
    assert known is not None
    assert known.bidirection


@pytest.mark.parametrize("voice", NOT_ON_BIDIRECTION)
async def test_the_four_voices_speak_on_v3_through_unidirectional(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
    voice: str,
) -> None:
    message = "洗衣机洗好了。记得晾衣服。"
    audio = await _speak_and_fetch(hass, hass_client, play_media_calls, message, voice=voice)
    expected = render_audio("洗衣机洗好了。", voice) + render_audio("记得晾衣服。", voice)
    assert audio.endswith(expected)
    spoken = [session for session in emulator.sessions if session.speaker == voice]
    assert [session.endpoint for session in spoken] == ["unidirectional"] * 2
    assert all(session.status_code == 20000000 for session in spoken)


async def test_a_default_voice_off_bidirection_streams_assist_replies(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    voice = NOT_ON_BIDIRECTION[0]
    await _set_up(hass, config_entry, voice=voice)

    async def reply() -> AsyncGenerator[str]:
        for fragment in ("今天天气", "很好。", "明天会下雨！"):
            yield fragment

    stream = tts.async_create_stream(hass, ENTITY_ID)
    stream.async_set_message_stream(reply())
    audio = b"".join([chunk async for chunk in stream.async_stream_result()])
    assert audio == render_audio("今天天气很好。", voice) + render_audio("明天会下雨！", voice)
    assert {session.endpoint for session in emulator.sessions} == {"unidirectional"}
