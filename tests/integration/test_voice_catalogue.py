"""The catalogue file: its schema, a clear error for a bad entry, and loading off the event loop."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts import voices
from custom_components.volcengine_tts.const import DOMAIN
from custom_components.volcengine_tts.languages import SUPPORTED_LANGUAGES
from custom_components.volcengine_tts.voices import (
    CATALOGUE_PATH,
    CatalogueError,
    VoiceCatalogue,
    load_catalogue,
    parse_catalogue,
)
from custom_components.volcengine_tts.volcengine import RESOURCE_IDS, resource_id_for_voice

FIELDS = {
    "id": str,
    "name_zh": str,
    "name_en": str,
    "languages": list,
    "gender": str,
    "generation": str,
    "resource_id": str,
    "emotions": list,
    "notes": str,
    "bidirection": bool,
}
"""Every field a voice entry may have, with its JSON type."""
REQUIRED = ("id", "name_zh", "name_en", "languages", "gender", "generation", "resource_id")


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return data


def _with_first_voice(**changes: Any) -> str:
    """The catalogue's JSON with its first voice changed (a value of None removes the field)."""
    data = _raw()
    voice = data["voices"][0]
    for field, value in changes.items():
        if value is None:
            voice.pop(field, None)
        else:
            voice[field] = value
    return json.dumps(data, ensure_ascii=False)


# --- the file as shipped --------------------------------------------------------------


def test_every_entry_has_the_schemas_fields_and_types() -> None:
    for entry in _raw()["voices"]:
        assert set(REQUIRED) <= entry.keys() <= FIELDS.keys(), entry.get("id")
        for field, value in entry.items():
            assert isinstance(value, FIELDS[field]), (entry["id"], field)


def test_every_voice_id_is_unique_in_the_file() -> None:
    counts = Counter(entry["id"] for entry in _raw()["voices"])
    assert [voice_id for voice_id, n in counts.items() if n > 1] == []


def test_the_file_loads_into_every_voice_it_lists() -> None:
    catalogue = parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8"))
    assert len(catalogue.voices) == len(_raw()["voices"])
    assert list(catalogue.by_id) == [voice.voice_id for voice in catalogue.voices]


def test_languages_resource_ids_and_emotions_are_known_values() -> None:
    catalogue = load_catalogue()
    known_emotions = set().union(*catalogue.emotion_vocabularies.values())
    for voice in catalogue.voices:
        assert set(voice.languages) <= set(SUPPORTED_LANGUAGES), voice.voice_id
        assert voice.resource_id in RESOURCE_IDS, voice.voice_id
        assert set(voice.emotions) <= known_emotions, voice.voice_id


def test_each_resource_id_is_the_one_automatic_sends() -> None:
    """The engine picks a resource by the id's pattern; the data must not say otherwise."""
    wrong = {
        voice.voice_id: voice.resource_id
        for voice in load_catalogue().voices
        if voice.resource_id != resource_id_for_voice(voice.voice_id)
    }
    assert wrong == {}


def test_optional_fields_take_their_defaults() -> None:
    catalogue = parse_catalogue(_with_first_voice(emotions=None, notes=None, bidirection=None))
    first = catalogue.voices[0]
    assert (first.emotions, first.notes, first.bidirection) == ((), "", True)


def test_a_voice_can_be_marked_as_not_on_the_bidirectional_api() -> None:
    catalogue = parse_catalogue(_with_first_voice(bidirection=False))
    assert catalogue.voices[0].bidirection is False


# --- a malformed file -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name_en": None}, r" \(zh_female_vv_uranus_bigtts\): name_en: required key"),
        ({"name_zh": ""}, r" \(zh_female_vv_uranus_bigtts\): name_zh: length"),
        ({"languages": ["fr-FR"]}, r" \(zh_female_vv_uranus_bigtts\): languages/0: value must"),
        ({"languages": []}, r" \(.*\): languages: length"),
        ({"languages": ["zh-CN", "zh-CN"]}, r" \(.*\): languages: contains duplicate items"),
        ({"gender": "robot"}, r" \(.*\): gender: value must be one of"),
        ({"generation": "3.0"}, r" \(.*\): generation: value must be one of"),
        ({"resource_id": "seed-tts-9.9"}, r" \(.*\): resource_id: value must be one of"),
        ({"emotions": ["joyful"]}, r" \(.*\): emotions/0: value must be one of"),
        ({"bidirection": "no"}, r" \(.*\): bidirection: expected bool"),
        ({"speaker": "x"}, r" \(.*\): speaker: "),
        ({"id": 7}, r": id: expected str"),
    ],
)
def test_a_malformed_entry_is_named_with_its_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogueError, match=r"^voices\.json: voice #1" + message):
        parse_catalogue(_with_first_voice(**changes))


def test_a_repeated_id_is_refused_at_its_second_entry() -> None:
    data = _raw()
    data["voices"][5]["id"] = data["voices"][0]["id"]
    repeated = r"voice #6 \(zh_female_vv_uranus_bigtts\): id: listed twice"
    with pytest.raises(CatalogueError, match=repeated):
        parse_catalogue(json.dumps(data))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", r"^voices\.json: Expecting"),
        ('{"emotion_vocabularies": {}, "voices": {}}', r"^voices\.json: voices: expected"),
        ('{"voices": [{}]}', r"^voices\.json: emotion_vocabularies: required key"),
        (
            '{"emotion_vocabularies": {}, "voices": ["x"]}',
            r"^voices\.json: voice #1: entry: expected a",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_its_name(text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(text)


# --- loading inside Home Assistant ----------------------------------------------------


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Start with nothing loaded; record the thread of every parse of the file."""
    threads: list[int] = []
    parse = voices.parse_catalogue

    def recording_parse(text: str) -> VoiceCatalogue:
        threads.append(threading.get_ident())
        return parse(text)

    monkeypatch.setattr(voices, "_loaded", None)
    monkeypatch.setattr(voices, "parse_catalogue", recording_parse)
    return threads


async def test_the_setup_form_reads_the_file_once_outside_the_event_loop(
    hass: HomeAssistant, reads: list[int]
) -> None:
    for _ in range(2):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
        assert result["step_id"] == "user"
    assert len(reads) == 1
    assert reads[0] != threading.get_ident()


async def test_set_up_reads_the_file_outside_the_event_loop(
    hass: HomeAssistant, config_entry: MockConfigEntry, reads: list[int]
) -> None:
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(reads) == 1
    assert reads[0] != threading.get_ident()


async def test_the_options_form_reads_the_file_outside_the_event_loop(
    hass: HomeAssistant, config_entry: MockConfigEntry, reads: list[int]
) -> None:
    """The options flow opens on an entry that is not loaded, too."""
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["step_id"] == "init"
    assert len(reads) == 1
    assert reads[0] != threading.get_ident()
