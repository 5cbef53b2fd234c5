"""The STT entity in Home Assistant: round trips, formats, options, failures, repairs."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from http import HTTPStatus
from unittest.mock import patch

import pytest
from homeassistant.components import stt
from homeassistant.components.stt import (
    AudioBitRates,
    AudioChannels,
    AudioCodecs,
    AudioFormats,
    AudioSampleRates,
    SpeechMetadata,
    SpeechResult,
    SpeechResultState,
)
from homeassistant.components.stt import models as stt_models
from homeassistant.components.tts import async_get_media_source_audio, generate_media_source_id
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.volcengine_tts.const import DOMAIN
from custom_components.volcengine_tts.diagnostics import async_get_config_entry_diagnostics
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, Faults
from emulator.audio import render_audio

STT_ENTITY = "stt.volcengine_speech_to_text"
TTS_ENTITY = "tts.volcengine_text_to_speech"
COMMAND = "打开客厅的灯"
ASSIST = SpeechMetadata(
    language="zh-CN",
    format=AudioFormats.WAV,
    codec=AudioCodecs.PCM,
    bit_rate=AudioBitRates.BITRATE_16,
    sample_rate=AudioSampleRates.SAMPLERATE_16000,
    channel=AudioChannels.CHANNEL_MONO,
)
STT_OPTIONS = "speech_to_text"


def speech(text: str = COMMAND) -> bytes:
    return render_audio(text, "zh_female_cancan_mars_bigtts", encoding="pcm", sample_rate=16000)


async def chunks(audio: bytes, size: int = 320) -> AsyncIterator[bytes]:
    for start in range(0, len(audio), size):
        yield audio[start : start + size]


def entity(hass: HomeAssistant) -> stt.SpeechToTextEntity:
    found = stt.async_get_speech_to_text_entity(hass, STT_ENTITY)
    assert found is not None
    return found


async def recognise(
    hass: HomeAssistant, audio: bytes, metadata: SpeechMetadata = ASSIST
) -> SpeechResult:
    return await entity(hass).internal_async_process_audio_stream(metadata, chunks(audio))


async def test_the_entity_offers_16_khz_mono_pcm_in_chinese_and_english(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    recogniser = entity(hass)
    assert {"zh-CN", "zh-HK", "zh-TW", "en-US"} <= set(recogniser.supported_languages)
    assert recogniser.supported_formats == [AudioFormats.WAV]
    assert recogniser.supported_codecs == [AudioCodecs.PCM]
    assert recogniser.supported_sample_rates == [AudioSampleRates.SAMPLERATE_16000]
    assert recogniser.supported_bit_rates == [AudioBitRates.BITRATE_16]
    assert recogniser.supported_channels == [AudioChannels.CHANNEL_MONO]
    assert hass.states.get(STT_ENTITY) is not None


async def test_round_trip_our_tts_then_our_stt_gives_the_text_back(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    media_id = generate_media_source_id(
        hass,
        COMMAND,
        TTS_ENTITY,
        "zh-CN",
        # The integration's own rate option: served natively on every release. (A
        # preferred_sample_rate is resampled by ffmpeg before 2026.11, which the text
        # the emulator hides in the samples' low bits does not survive.)
        {"preferred_format": "wav", "sample_rate": 16000},
    )
    extension, wav = await async_get_media_source_audio(hass, media_id)
    assert extension == "wav"
    result = await recognise(hass, wav)  # the WAV header is stripped
    assert result == SpeechResult(COMMAND, SpeechResultState.SUCCESS)


async def test_audio_is_forwarded_in_200_ms_packets(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    await recognise(hass, speech())
    recognition = emulator.recognitions[-1]
    assert recognition.packet_sizes[:-1] == [6400] * (len(recognition.packet_sizes) - 1)
    assert recognition.request["request"]["enable_punc"] is True
    assert recognition.request["request"]["enable_itn"] is True
    assert recognition.resource_id == "volc.bigasr.sauc.duration"


async def test_the_http_api_accepts_a_wav_file(
    hass: HomeAssistant, setup_entry: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    client = await hass_client()
    wav = render_audio(COMMAND, "v", encoding="wav", sample_rate=16000)
    response = await client.post(
        f"/api/stt/{STT_ENTITY}",
        data=wav,
        headers={
            "X-Speech-Content": "format=wav; codec=pcm; sample_rate=16000; bit_rate=16; "
            "channel=1; language=zh-CN"
        },
    )
    assert response.status == HTTPStatus.OK
    assert await response.json() == {"text": COMMAND, "result": "success"}


async def test_a_wav_file_of_another_rate_is_an_error(
    hass: HomeAssistant, setup_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    wav = render_audio(COMMAND, "v", encoding="wav", sample_rate=24000)
    result = await recognise(hass, wav)
    assert result == SpeechResult(None, SpeechResultState.ERROR)
    assert "24000 Hz" in caplog.text


async def test_other_audio_gives_the_emulators_control_transcript(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    emulator.config.transcript = "关闭卧室的灯"
    result = await recognise(hass, bytes(range(256)) * 50)
    assert result == SpeechResult("关闭卧室的灯", SpeechResultState.SUCCESS)


@pytest.mark.parametrize(
    "unsupported",
    [
        {"sample_rate": AudioSampleRates.SAMPLERATE_44100},
        {"channel": AudioChannels.CHANNEL_STEREO},
        {"codec": AudioCodecs.OPUS, "format": AudioFormats.OGG},
    ],
)
async def test_other_audio_formats_are_an_unsupported_result(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    unsupported: dict[str, object],
) -> None:
    fields = {
        "language": "zh-CN",
        "format": AudioFormats.WAV,
        "codec": AudioCodecs.PCM,
        "bit_rate": AudioBitRates.BITRATE_16,
        "sample_rate": AudioSampleRates.SAMPLERATE_16000,
        "channel": AudioChannels.CHANNEL_MONO,
        **unsupported,
    }
    checked = len(emulator.recognitions)  # the set-up's access check, which sends no audio
    result = await recognise(hass, speech(), SpeechMetadata(**fields))  # type: ignore[arg-type]
    assert result == SpeechResult(None, SpeechResultState.ERROR)
    assert "16 kHz, 16-bit, mono PCM" in caplog.text  # the translated reason
    assert emulator.recognitions[checked:] == []  # nothing was sent for it


async def test_a_service_error_is_an_error_result_with_a_translated_reason(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.faults = Faults(error_code=55000031, error_message="server busy")
    result = await recognise(hass, speech())
    assert result == SpeechResult(None, SpeechResultState.ERROR)
    assert "Speech recognition failed" in caplog.text
    assert "55000031" in caplog.text


async def test_a_dropped_connection_is_an_error_result(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    emulator.faults = Faults(drop_after_frames=1)
    assert await recognise(hass, speech()) == SpeechResult(None, SpeechResultState.ERROR)


async def test_a_stalled_service_is_an_error_result_not_a_hang(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    setup_entry.runtime_data.recognizer._client.receive_timeout = 0.2  # type: ignore[union-attr]
    emulator.faults = Faults(stall_after_frames=1)
    assert await recognise(hass, speech()) == SpeechResult(None, SpeechResultState.ERROR)


def _without_recognition(emulator: Emulator) -> None:
    tts_only = frozenset({"seed-tts-1.0", "seed-tts-2.0", "seed-icl-1.0"})
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, resources=tts_only
    )


async def test_an_account_without_recognition_still_sets_up_tts_and_raises_a_repair(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    _without_recognition(emulator)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(TTS_ENTITY) is not None
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"recognition_not_granted_{config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["resource_id"] == "volc.bigasr.sauc.duration"
    assert await recognise(hass, speech()) == SpeechResult(None, SpeechResultState.ERROR)


async def test_a_resource_id_the_service_does_not_know_raises_the_repair(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """A typo in the options' resource id is not only a log line: the repair says what to do."""
    await _set_up_with(hass, config_entry, {"stt_resource_id": "volc.bigasr.sauc.typo"})
    await hass.async_block_till_done(wait_background_tasks=True)
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"recognition_not_granted_{config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["resource_id"] == "volc.bigasr.sauc.typo"


async def test_the_repair_goes_away_once_recognition_works(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    _without_recognition(emulator)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    emulator.config.accounts[DEFAULT_APP_ID] = Account(DEFAULT_APP_ID, DEFAULT_TOKEN)
    assert (await recognise(hass, speech())).text == COMMAND
    issue_id = f"recognition_not_granted_{config_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_a_rejected_token_during_recognition_starts_reauth(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    emulator.faults = Faults(handshake_status=401)
    assert await recognise(hass, speech()) == SpeechResult(None, SpeechResultState.ERROR)
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def _set_up_with(
    hass: HomeAssistant, config_entry: MockConfigEntry, stt_options: dict[str, object]
) -> None:
    hass.config_entries.async_update_entry(
        config_entry, options={**config_entry.options, STT_OPTIONS: stt_options}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_speech_to_text_can_be_turned_off(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    await _set_up_with(hass, config_entry, {"stt_enabled": False})
    assert hass.states.get(STT_ENTITY) is None
    assert hass.states.get(TTS_ENTITY) is not None
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)
    assert diagnostics["stt"] == {"enabled": False}
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_punctuation_itn_hot_words_and_resource_follow_the_options(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    await _set_up_with(
        hass,
        config_entry,
        {
            "stt_punctuation": False,
            "stt_itn": False,
            "stt_hot_words": ["客厅"],
            "stt_resource_id": "volc.seedasr.sauc.duration",
        },
    )
    result = await recognise(hass, speech("打开，客厅的灯。"))
    assert result.text == "打开客厅的灯"
    request = emulator.recognitions[-1].request["request"]
    assert request["enable_punc"] is False
    assert request["enable_itn"] is False
    assert json.loads(request["corpus"]["context"]) == {"hotwords": [{"word": "客厅"}]}
    assert emulator.recognitions[-1].resource_id == "volc.seedasr.sauc.duration"


async def test_cantonese_asks_for_hong_kong_characters(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    await recognise(hass, speech(), SpeechMetadata(**{**ASSIST.__dict__, "language": "zh-HK"}))
    assert emulator.recognitions[-1].request["request"]["output_zh_variant"] == "hk"


async def test_diagnostics_include_the_stt_state(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    emulator.faults = Faults(error_code=45000151, error_message="[Invalid audio format] x")
    await recognise(hass, speech())
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_entry)
    assert diagnostics["stt"]["enabled"] is True
    assert diagnostics["stt"]["resource_id"] == "volc.bigasr.sauc.duration"
    assert diagnostics["stt"]["failures"] == 1
    assert diagnostics["stt"]["recent_errors"][-1]["code"] == 45000151
    assert DEFAULT_TOKEN not in json.dumps(diagnostics, ensure_ascii=False)


async def test_the_token_never_reaches_any_log_while_recognising(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await recognise(hass, speech())
    emulator.faults = Faults(error_code=55000031, error_message=f"echo {DEFAULT_TOKEN}")
    await recognise(hass, speech())
    ours = [record for record in caplog.records if record.name.startswith("custom_components")]
    assert ours
    assert not [record for record in ours if DEFAULT_TOKEN in record.getMessage()]


@pytest.mark.skipif(
    getattr(stt_models, "SpeechAudioProcessing", None) is None,
    reason="Home Assistant before 2026.4 has no audio processing preferences",
)
async def test_home_assistants_vad_ends_the_utterance_and_audio_stays_raw(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    processing = entity(hass).audio_processing
    assert processing.requires_external_vad is True
    assert processing.prefers_auto_gain_enabled is False
    assert processing.prefers_noise_reduction_enabled is False


async def test_the_options_flow_saves_the_speech_to_text_section(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    assert STT_OPTIONS in result["data_schema"].schema
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "voice": "zh_female_cancan_mars_bigtts",
            "speed": 1.0,
            "volume": 1.0,
            "pitch": 0,
            "emotion_scale": 4,
            "format": "mp3",
            "sample_rate": "24000",
            "max_concurrency": 2,
            STT_OPTIONS: {
                "stt_enabled": False,
                "stt_resource_id": " volc.bigasr.sauc.concurrent ",
                "stt_punctuation": True,
                "stt_itn": False,
                "stt_hot_words": [" 客厅 ", "客厅", "", "卧室"],
            },
        },
    )
    await hass.async_block_till_done()
    assert setup_entry.options[STT_OPTIONS] == {
        "stt_enabled": False,
        "stt_resource_id": "volc.bigasr.sauc.concurrent",
        "stt_punctuation": True,
        "stt_itn": False,
        "stt_hot_words": ["客厅", "卧室"],
    }
    assert hass.states.get(STT_ENTITY) is None  # reloaded without speech-to-text
    assert setup_entry.state is ConfigEntryState.LOADED


async def test_speech_to_text_lives_on_the_accounts_one_device(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    entities = er.async_get(hass)
    stt_device = entities.async_get(STT_ENTITY).device_id  # type: ignore[union-attr]
    assert stt_device == entities.async_get(TTS_ENTITY).device_id  # type: ignore[union-attr]
    device = dr.async_get(hass).async_get(stt_device)  # type: ignore[arg-type]
    assert device is not None
    assert device.model == "Doubao speech"


async def test_a_failing_audio_stream_is_an_error_result_not_an_exception(
    hass: HomeAssistant, setup_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 17.5: ConnectionResetError from the stream escaped, and /api/stt answered 500."""

    async def dropped() -> AsyncIterator[bytes]:
        yield speech()[:3200]
        raise ConnectionResetError("Connection lost")

    result = await entity(hass).internal_async_process_audio_stream(ASSIST, dropped())
    assert result == SpeechResult(None, SpeechResultState.ERROR)
    assert "audio stream from Home Assistant broke off" in caplog.text


async def test_empty_audio_says_so(
    hass: HomeAssistant, setup_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 17.5: it used to log "Volcengine refused the text or the options"."""
    assert await recognise(hass, b"") == SpeechResult(None, SpeechResultState.ERROR)
    assert "received no audio to recognise" in caplog.text
    assert "refused the text" not in caplog.text


async def test_an_utterance_past_the_cap_is_blamed_on_its_length(
    hass: HomeAssistant, setup_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 17.5: it used to read "did not answer in time", blaming the service."""
    seconds = int(setup_entry.runtime_data.recognizer.config.max_audio_seconds)  # type: ignore[union-attr]
    silence = bytes(16000 * 2 * (seconds + 1))
    result = await recognise(hass, silence)
    assert result == SpeechResult(None, SpeechResultState.ERROR)
    assert "longer than speech-to-text accepts" in caplog.text
    assert "did not answer in time" not in caplog.text


async def test_an_unexpected_failure_is_still_an_error_result(
    hass: HomeAssistant, setup_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """The entity's promise holds for a bug too: Assist gets ERROR, never an HTTP 500."""
    recognizer = setup_entry.runtime_data.recognizer
    assert recognizer is not None
    with patch.object(recognizer, "recognize", side_effect=RuntimeError("a bug")):
        assert await recognise(hass, speech()) == SpeechResult(None, SpeechResultState.ERROR)
    assert "Speech recognition failed unexpectedly" in caplog.text


async def test_hearing_a_command_warms_a_connection_for_the_reply_and_bills_nothing(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    engine = setup_entry.runtime_data.engine
    await engine.release_idle()  # a quiet spell: the warm connections have closed
    async with asyncio.timeout(5):
        await emulator.wait_for_open_connections(DEFAULT_APP_ID, 0)
    sessions = len(emulator.sessions)
    billed = setup_entry.runtime_data.usage.characters("month")

    assert await recognise(hass, speech()) == SpeechResult(COMMAND, SpeechResultState.SUCCESS)
    await engine.wait_warm()
    async with asyncio.timeout(5):
        await emulator.wait_for_sessions(sessions + 1)
    assert emulator.open_connections(DEFAULT_APP_ID) == 1
    assert [session.texts for session in emulator.sessions[sessions:]] == [[]]
    assert setup_entry.runtime_data.usage.characters("month") == billed

    statistics = engine.diagnostics()["pool"]["statistics"]
    opened, warm_used = statistics["opened"], statistics["warm_sessions_used"]
    media_id = generate_media_source_id(hass, "好的。", TTS_ENTITY, "zh-CN")
    extension, _ = await async_get_media_source_audio(hass, media_id)
    assert extension == "mp3"
    statistics = engine.diagnostics()["pool"]["statistics"]
    assert statistics["opened"] == opened  # the reply took the warmed connection
    assert statistics["warm_sessions_used"] == warm_used + 1
    assert statistics["prewarmed"] == 1
