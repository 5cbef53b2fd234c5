"""Voice presets (config subentries): each its own TTS entity and device, with its own defaults."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import media_source
from homeassistant.components.media_player import ATTR_MEDIA_CONTENT_ID
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigSubentry
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.volcengine_tts.const import DOMAIN
from emulator import DEFAULT_APP_ID, DEFAULT_TOKEN, Account, Emulator, EmulatorConfig
from emulator.audio import render_audio

from .conftest import VOICE, change_options, synthesized

ENTRY_ENTITY = "tts.volcengine_text_to_speech"
PRESET_ENTITY = "tts.bedroom_calm"
SPEAKER = "media_player.bedroom"
MESSAGE = "晚安，明天见"
CALM = "zh_female_shuangkuaisisi_moon_bigtts"
EMOTIONAL = "zh_female_shuangkuaisisi_emo_v2_mars_bigtts"
VOICE_2_0 = "zh_female_vv_uranus_bigtts"


def _preset_input(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Bedroom calm",
        "voice": CALM,
        "speed": 0.8,
        "volume": 0.9,
        "pitch": 0,
        "emotion_scale": 4,
        "format": "mp3",
        "sample_rate": "24000",
    } | overrides


async def _add_preset(hass: HomeAssistant, entry: MockConfigEntry, **overrides: Any) -> Any:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "voice"), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _preset_input(**overrides)
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return result


def _preset(entry: MockConfigEntry) -> ConfigSubentry:
    (preset,) = entry.subentries.values()
    return preset


async def _speak(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    calls: list[ServiceCall],
    entity_id: str = PRESET_ENTITY,
) -> bytes:
    await hass.services.async_call(
        "tts",
        "speak",
        {"entity_id": entity_id, "media_player_entity_id": SPEAKER, "message": MESSAGE},
        blocking=True,
    )
    resolved = await media_source.async_resolve_media(
        hass, calls[-1].data[ATTR_MEDIA_CONTENT_ID], None
    )
    client = await hass_client()
    response = await client.get(resolved.url)
    assert response.status == HTTPStatus.OK
    return await response.read()


def _entity(hass: HomeAssistant, entity_id: str) -> Any:
    return hass.data["entity_components"]["tts"].get_entity(entity_id)


async def test_adding_a_preset_creates_its_entity_on_its_own_device(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    result = await _add_preset(hass, setup_entry)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    preset = _preset(setup_entry)
    assert preset.title == "Bedroom calm"
    assert preset.data["voice"] == CALM
    entity = er.async_get(hass).async_get(PRESET_ENTITY)
    assert entity is not None
    assert entity.unique_id == preset.subentry_id
    assert entity.config_subentry_id == preset.subentry_id
    device = dr.async_get(hass).async_get(entity.device_id or "")
    assert device is not None
    assert device.name == "Bedroom calm"
    state = hass.states.get(PRESET_ENTITY)
    assert state is not None
    assert state.attributes["friendly_name"] == "Bedroom calm"
    assert device.identifiers == {(DOMAIN, preset.subentry_id)}


async def test_the_entry_entity_stays_as_it_is(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    before = er.async_get(hass).async_get(ENTRY_ENTITY)
    await _add_preset(hass, setup_entry)
    after = er.async_get(hass).async_get(ENTRY_ENTITY)
    assert before is not None
    assert after is not None
    assert after.unique_id == before.unique_id == setup_entry.entry_id
    assert _entity(hass, ENTRY_ENTITY).default_options["voice"] == VOICE


async def test_a_preset_s_defaults_are_in_default_options(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    await _add_preset(hass, setup_entry, voice=VOICE_2_0, context_texts="轻声地说")
    defaults = _entity(hass, PRESET_ENTITY).default_options
    assert defaults["voice"] == VOICE_2_0
    assert defaults["speed"] == 0.8
    assert defaults["volume"] == 0.9
    assert defaults["context_texts"] == ["轻声地说"]
    assert defaults["preferred_format"] == "mp3"


async def test_a_preset_speaks_with_its_own_defaults(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
) -> None:
    await _add_preset(hass, setup_entry, emotion="happy", voice=EMOTIONAL)
    audio = await _speak(hass, hass_client, play_media_calls)
    assert audio.endswith(render_audio(MESSAGE, EMOTIONAL, speed_ratio=0.8))
    session = [session for session in emulator.sessions if session.texts][-1]
    assert session.speaker == EMOTIONAL
    assert session.audio_params["speech_rate"] == -20
    assert session.audio_params["emotion"] == "happy"


async def test_presets_share_the_entry_s_engine(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    await _add_preset(hass, setup_entry)
    engine = setup_entry.runtime_data.engine
    assert _entity(hass, PRESET_ENTITY)._engine is engine
    assert _entity(hass, ENTRY_ENTITY)._engine is engine


async def test_editing_a_preset_changes_its_voice_at_once_without_replaying_the_cache(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    play_media_calls: list[ServiceCall],
) -> None:
    await _add_preset(hass, setup_entry)
    first = await _speak(hass, hass_client, play_media_calls)
    assert first.endswith(render_audio(MESSAGE, CALM, speed_ratio=0.8))

    preset = _preset(setup_entry)
    result = await hass.config_entries.subentries.async_init(
        (setup_entry.entry_id, "voice"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": preset.subentry_id},
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _preset_input(name="Bedroom", voice=VOICE, speed=1.0)
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert _preset(setup_entry).title == "Bedroom"

    second = await _speak(hass, hass_client, play_media_calls)
    assert second.endswith(render_audio(MESSAGE, VOICE))
    assert synthesized(emulator)[-1] == (VOICE, MESSAGE)
    # The entity kept its id and device; only its defaults (and cache key) changed.
    assert er.async_get(hass).async_get(PRESET_ENTITY) is not None


async def test_the_edit_form_shows_the_preset_s_values(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    await _add_preset(hass, setup_entry, voice=VOICE_2_0, context_texts="慢一点")
    result = await hass.config_entries.subentries.async_init(
        (setup_entry.entry_id, "voice"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": _preset(setup_entry).subentry_id},
    )
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested["name"] == "Bedroom calm"
    assert suggested["voice"] == VOICE_2_0
    assert suggested["context_texts"] == "慢一点"
    assert suggested["sample_rate"] == "24000"


async def test_deleting_a_preset_removes_its_entity_and_device(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    await _add_preset(hass, setup_entry)
    preset = _preset(setup_entry)
    assert hass.states.get(PRESET_ENTITY) is not None
    assert hass.config_entries.async_remove_subentry(setup_entry, preset.subentry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert er.async_get(hass).async_get(PRESET_ENTITY) is None
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), setup_entry.entry_id)
    assert [device.identifiers for device in devices] == [{(DOMAIN, setup_entry.entry_id)}]
    assert hass.states.get(PRESET_ENTITY) is None
    assert er.async_get(hass).async_get(ENTRY_ENTITY) is not None


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"voice": CALM, "emotion": "happy"}, {"emotion": "emotion_not_supported"}),
        ({"voice": CALM, "context_texts": "慢一点"}, {"context_texts": "context_needs_2_0_voice"}),
        ({"voice": " "}, {"voice": "voice_required"}),
        ({"name": " "}, {"name": "name_required"}),
    ],
)
async def test_the_form_checks_emotion_and_context_against_the_voice(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    overrides: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await _add_preset(hass, setup_entry, **overrides)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert not setup_entry.subentries


async def test_a_preset_cannot_be_added_while_the_entry_is_not_loaded(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.subentries.async_init(
        (config_entry.entry_id, "voice"), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_presets_come_back_after_a_restart(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    await _add_preset(hass, setup_entry)
    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    assert _entity(hass, PRESET_ENTITY).default_options["voice"] == CALM


async def test_the_edit_form_refuses_an_emotion_the_new_voice_lacks(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    await _add_preset(hass, setup_entry)
    result = await hass.config_entries.subentries.async_init(
        (setup_entry.entry_id, "voice"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": _preset(setup_entry).subentry_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _preset_input(emotion="happy")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"emotion": "emotion_not_supported"}
    assert "emotion" not in _preset(setup_entry).data


async def test_a_voice_outside_the_catalogue_takes_any_emotion_and_hint(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    result = await _add_preset(hass, setup_entry, voice="S_myclone01", emotion="happy")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert _preset(setup_entry).data["emotion"] == "happy"


@pytest.mark.parametrize(
    "emulator_config",
    [
        EmulatorConfig(
            accounts={
                DEFAULT_APP_ID: Account(
                    DEFAULT_APP_ID, DEFAULT_TOKEN, granted_voices=frozenset({VOICE})
                )
            }
        )
    ],
)
async def test_a_preset_whose_voice_the_app_may_not_use_is_refused(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    """The preset speaks once before it is saved, as the options do."""
    result = await _add_preset(hass, setup_entry)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "resource_not_granted"}
    assert setup_entry.subentries == {}
    assert hass.states.get(PRESET_ENTITY) is None
    assert CALM in [session.speaker for session in emulator.sessions]  # it was tried


async def test_a_preset_follows_the_entrys_markdown_filtering(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """The preset form has no such switch: the entry's choice holds for its presets too."""
    await change_options(hass, setup_entry, filter_markdown=False)
    await _add_preset(hass, setup_entry)
    entity = hass.data["entity_components"]["tts"].get_entity(PRESET_ENTITY)
    assert entity.default_options["filter_markdown"] is False


async def test_the_quality_scale_claims_has_entity_name_only_if_every_entity_has_it(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    """Issue 17.5: quality_scale.yaml said done while preset entities set it to False."""
    import yaml

    await _add_preset(hass, setup_entry)
    entities = [
        entity
        for platform in ("tts", "stt", "sensor")
        for entity in hass.data["entity_components"][platform].entities
    ]
    assert len(entities) >= 6
    quality = Path(__file__).parents[2] / "custom_components/volcengine_tts/quality_scale.yaml"
    rule = yaml.safe_load(quality.read_text())["rules"]["has-entity-name"]
    status = rule if isinstance(rule, str) else rule["status"]
    assert (status == "done") == all(entity.has_entity_name for entity in entities)
