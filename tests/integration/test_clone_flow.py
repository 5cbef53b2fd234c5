"""Clone a voice through Home Assistant: upload → training → confirm → preset → tts.speak.

The recording goes through Home Assistant's own ``/api/file_upload`` and the
flow's file selector; the cloning client talks to the emulator's cloning API.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Iterator
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_API_KEY
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.volcengine_tts import clone_flow
from custom_components.volcengine_tts.clones import clone_endpoint
from custom_components.volcengine_tts.const import CONF_APP_ID
from custom_components.volcengine_tts.diagnostics import async_get_config_entry_diagnostics
from emulator import (
    DEFAULT_API_KEY,
    DEFAULT_APP_ID,
    DEFAULT_TOKEN,
    Account,
    Emulator,
    EmulatorConfig,
)
from emulator.clone_registry import Status as ClonedStatus

from .cloning import (
    RECORDING,
    SLOT,
    clone_presets,
    finish_progress,
    send_recording,
    speak,
    start,
    upload,
    uploads_left,
    wav_recording,
)


@pytest.fixture
async def emulator(emulator_config: EmulatorConfig) -> AsyncIterator[Emulator]:
    """The emulator with the websocket and cloning APIs on one port, as the real host.

    The integration derives the cloning API's address from the configured
    endpoint (``ws://127.0.0.1:P`` → ``http://127.0.0.1:P``), exactly as in use.
    """
    async with Emulator(emulator_config, one_port=True) as running:
        yield running


@pytest.fixture(autouse=True)
def no_waiting() -> Iterator[None]:
    """Poll without pausing: the emulator answers at once."""
    with patch.object(clone_flow.VoiceCloneFlow, "poll_interval", 0):
        yield


async def test_recording_in_voice_preset_out(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
    play_media_calls: list[ServiceCall],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.config.clone_training_seconds = 3600
    result = await start(hass, setup_entry)
    file_id = await upload(hass_client, RECORDING, "grandma.wav")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"recording": file_id, "language": "zh", "transcript": "今天天气很好"}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "train"
    emulator.config.clone_training_seconds = 0  # the next status read finds it trained
    result = await finish_progress(hass, result)
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"]["demo_audio"].startswith("https://")
    assert not clone_presets(setup_entry)  # nothing is created before the user confirms
    upload_request = emulator.clones.requests[1]
    assert upload_request["body"]["audio"]["format"] == "wav"
    assert upload_request["body"]["text"] == "今天天气很好"
    assert not uploads_left()

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (preset,) = clone_presets(setup_entry)
    assert preset.title == "Grandma"
    assert preset.data == {"voice": SLOT, "resource_id": "seed-icl-2.0"}

    audio = await speak(hass, hass_client, play_media_calls)
    assert audio
    spoken = [session for session in emulator.sessions if session.texts]
    assert (spoken[-1].speaker, spoken[-1].resource_id) == (SLOT, "seed-icl-2.0")
    assert emulator.clones.voices[SLOT].status == 4  # the first synthesis activated it
    ours = "\n".join(  # the emulator's own server logs what it receives: not ours
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(("websockets.server", "emulator"))
    )
    assert DEFAULT_TOKEN not in ours
    assert base64.b64encode(RECORDING[:300]).decode()[:40] not in ours


async def test_api_key_login_clones_too(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    data = {
        key: value
        for key, value in config_entry.data.items()
        if key not in (CONF_APP_ID, CONF_ACCESS_TOKEN)
    }
    hass.config_entries.async_update_entry(
        config_entry, data={**data, CONF_API_KEY: DEFAULT_API_KEY}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await send_recording(hass, hass_client, await start(hass, config_entry))
    assert result["step_id"] == "confirm"
    headers = {key.lower() for key in emulator.clones.requests[0]["headers"]}
    assert "x-api-key" in headers
    assert "x-api-access-key" not in headers


async def test_app_login_sends_the_app_pair(
    hass: HomeAssistant, setup_entry: MockConfigEntry, emulator: Emulator
) -> None:
    await start(hass, setup_entry)
    headers = {key.lower(): value for key, value in emulator.clones.requests[0]["headers"].items()}
    assert headers["x-api-app-key"] == DEFAULT_APP_ID
    assert headers["x-api-access-key"] == DEFAULT_TOKEN


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (45001109, "transcript_mismatch"),
        (45001104, "voiceprint_failed"),
        (45001123, "training_limit"),
        (45001114, "recording_refused"),
        (45000030, "cloning_not_granted"),
    ],
)
async def test_documented_errors_are_explained_and_another_recording_may_follow(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
    code: int,
    error: str,
) -> None:
    emulator.faults.clone_error_code = code
    emulator.faults.clone_error_message = "requested resource not granted"
    result = await send_recording(hass, hass_client, await start(hass, setup_entry))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert str(code) in result["description_placeholders"]["details"]  # shown under the form
    assert not uploads_left()
    result = await send_recording(hass, hass_client, result)  # the fault fired once
    assert result["step_id"] == "confirm"


async def test_slot_not_bought_is_refused_at_the_first_step(
    hass: HomeAssistant, setup_entry: MockConfigEntry, emulator: Emulator
) -> None:
    emulator.config.accounts[DEFAULT_APP_ID] = Account(
        DEFAULT_APP_ID, DEFAULT_TOKEN, api_key=DEFAULT_API_KEY, clone_slots=frozenset({"S_other"})
    )
    result = await start(hass, setup_entry)
    assert result["errors"] == {"base": "slot_not_found"}


async def test_post_paid_name_checked_before_anything_is_sent(
    hass: HomeAssistant, setup_entry: MockConfigEntry, emulator: Emulator
) -> None:
    result = await start(hass, setup_entry, slot="zh_my_voice")
    assert result["errors"] == {"voice_slot": "invalid_slot"}
    assert not emulator.clones.requests


async def test_post_paid_name_trains_under_custom_speaker_id(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    result = await send_recording(hass, hass_client, await start(hass, setup_entry, "grandmaVoice"))
    assert result["step_id"] == "confirm"
    body = emulator.clones.requests[1]["body"]
    assert (body["speaker_id"], body["custom_speaker_id"]) == ("custom_speaker_id", "grandmaVoice")


@pytest.mark.parametrize(
    ("content", "name", "error"),
    [
        (b"just some text, not audio" * 50, "grandma.wav", "recording_format"),
        (wav_recording(1), "short.wav", "recording_length"),
        (wav_recording(61, rate=8000), "long.wav", "recording_length"),
        (b"\0" * (10 * 1024 * 1024 + 1), "big.wav", "recording_too_large"),
    ],
)
async def test_recordings_the_service_would_refuse_are_refused_first(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
    content: bytes,
    name: str,
    error: str,
) -> None:
    result = await send_recording(hass, hass_client, await start(hass, setup_entry), content, name)
    assert result["errors"] == {"recording": error}
    assert [request["path"] for request in emulator.clones.requests] == ["/api/v3/tts/get_voice"]
    assert not uploads_left()


async def test_a_failed_training_explains_and_retries(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    emulator.faults.clone_training_fails = True
    result = await send_recording(hass, hass_client, await start(hass, setup_entry))
    assert result["step_id"] == "failed"
    emulator.faults.clone_training_fails = False
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    result = await send_recording(hass, hass_client, result)
    assert result["step_id"] == "confirm"


async def test_a_training_that_takes_too_long_stops_waiting_and_is_picked_up_later(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    emulator.config.clone_training_seconds = 3600
    with patch.object(clone_flow.VoiceCloneFlow, "training_timeout", 0):
        result = await send_recording(hass, hass_client, await start(hass, setup_entry))
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "training_timeout"
    result = await start(hass, setup_entry)  # opened again: still training, so it waits
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    emulator.config.clone_training_seconds = 0
    result = await finish_progress(hass, result)
    assert result["step_id"] == "confirm"  # read, not uploaded again
    uploads = [item for item in emulator.clones.requests if item["path"].endswith("voice_clone")]
    assert len(uploads) == 1


async def test_a_trained_slot_may_be_used_as_it_is(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
) -> None:
    await send_recording(hass, hass_client, await start(hass, setup_entry))
    result = await start(hass, setup_entry)  # a second flow for the same slot
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "confirm"}
    )
    assert result["step_id"] == "confirm"


async def test_retraining_from_the_preset_updates_it(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    result = await send_recording(hass, hass_client, await start(hass, setup_entry))
    await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    (preset,) = clone_presets(setup_entry)
    result = await hass.config_entries.subentries.async_init(
        (setup_entry.entry_id, "clone"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": preset.subentry_id},
    )
    result = await send_recording(hass, hass_client, result)
    assert result["step_id"] == "confirm"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["reason"] == "reconfigure_successful"
    assert emulator.clones.voices[SLOT].uploads == 2
    result = await start(hass, setup_entry)
    assert result["reason"] == "slot_has_preset"


async def test_diagnostics_show_cloned_voices_without_audio_or_secrets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
) -> None:
    result = await send_recording(hass, hass_client, await start(hass, setup_entry))
    await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    report = await async_get_config_entry_diagnostics(hass, setup_entry)
    (voice,) = report["cloned_voices"]
    assert voice["voice"] == SLOT
    assert voice["status"] == "success"
    text = repr(report)
    assert DEFAULT_TOKEN not in text
    assert "UklGR" not in text  # no base64 WAV anywhere


async def test_v1_entries_cannot_clone(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "protocol": "v1"}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    result = await hass.config_entries.subentries.async_init(
        (config_entry.entry_id, "clone"), context={"source": SOURCE_USER}
    )
    assert result["reason"] == "clone_needs_v3"


async def test_a_training_that_fails_while_watched_explains_why(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    emulator.config.clone_training_seconds = 3600
    emulator.faults.clone_training_fails = True
    result = await start(hass, setup_entry)
    file_id = await upload(hass_client, RECORDING, "grandma.wav")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"recording": file_id, "language": "en"}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    emulator.config.clone_training_seconds = 0
    result = await finish_progress(hass, result)
    assert result["step_id"] == "failed"
    assert emulator.clones.requests[1]["body"]["language"] == 1


async def test_losing_the_service_while_watching_says_so(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    emulator.config.clone_training_seconds = 3600
    result = await start(hass, setup_entry)
    file_id = await upload(hass_client, RECORDING, "grandma.wav")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"recording": file_id, "language": "zh"}
    )
    emulator.config.accounts.clear()  # every status read is now refused
    result = await finish_progress(hass, result)
    assert result["step_id"] == "failed"
    assert "45000010" in result["description_placeholders"]["details"]


async def test_an_upload_used_once_cannot_be_sent_again(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    emulator.faults.clone_error_code = 45001109
    result = await start(hass, setup_entry)
    file_id = await upload(hass_client, RECORDING, "grandma.wav")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"recording": file_id, "language": "zh"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"recording": file_id, "language": "zh"}
    )
    assert result["errors"] == {"recording": "recording_missing"}
    assert result["description_placeholders"]["details"] == ""  # not the last attempt's reason


async def test_a_name_is_required(hass: HomeAssistant, setup_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.subentries.async_init(
        (setup_entry.entry_id, "clone"), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": " ", "voice_slot": SLOT}
    )
    assert result["errors"] == {"name": "name_required"}


async def test_cloning_needs_a_loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.subentries.async_init(
        (config_entry.entry_id, "clone"), context={"source": SOURCE_USER}
    )
    assert result["reason"] == "entry_not_loaded"


async def test_retraining_picks_up_a_training_in_progress_or_says_why_it_cannot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    result = await send_recording(hass, hass_client, await start(hass, setup_entry))
    await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    (preset,) = clone_presets(setup_entry)
    context = {"source": SOURCE_RECONFIGURE, "subentry_id": preset.subentry_id}
    emulator.clones.voices[SLOT].status = ClonedStatus.TRAINING
    emulator.config.clone_training_seconds = 3600
    result = await hass.config_entries.subentries.async_init(
        (setup_entry.entry_id, "clone"), context=context
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    hass.config_entries.subentries.async_abort(result["flow_id"])
    emulator.config.accounts.clear()
    result = await hass.config_entries.subentries.async_init(
        (setup_entry.entry_id, "clone"), context=context
    )
    assert result["reason"] == "status_unavailable"


async def test_diagnostics_say_when_the_status_cannot_be_read(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    result = await send_recording(hass, hass_client, await start(hass, setup_entry))
    await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    emulator.config.accounts.clear()
    report = await async_get_config_entry_diagnostics(hass, setup_entry)
    (voice,) = report["cloned_voices"]
    assert voice["status_error"] == {"error": "AuthenticationError", "code": 45000010}


def test_the_cloning_api_lives_on_the_synthesis_host() -> None:
    assert clone_endpoint({}) == "wss://openspeech.bytedance.com"
    assert clone_endpoint({"endpoint": "wss://proxy.example"}) == "wss://proxy.example"


async def test_a_busy_service_while_watching_is_read_past(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    emulator: Emulator,
) -> None:
    emulator.config.clone_training_seconds = 3600
    result = await start(hass, setup_entry)
    file_id = await upload(hass_client, RECORDING, "grandma.wav")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"recording": file_id, "language": "zh"}
    )
    emulator.faults.clone_status_failures = 2  # 55001301 twice, then the answer
    emulator.config.clone_training_seconds = 0
    result = await finish_progress(hass, result)
    assert result["step_id"] == "confirm"
    assert emulator.faults.clone_status_failures == 0
