"""The voices Volcengine (豆包) documents, read from ``voices.json`` beside this module.

Every entry is a real ``voice_type`` from Volcengine's public voice lists
(copies in gaoyadianta/run-tracker ``docs/fangzhou/音色列表.md`` and
wslkwwww/CradleAI ``voicetype.md``) or from the 2.0 catalogue in
yifucc/hass_doubao_tts; names, languages and emotions are theirs, English
names are the lists' own where they have one and a translation otherwise.

A voice works only with the API generation it belongs to (a 2.0 voice on a
1.0 resource id fails with "access denied"), so the catalogue records each
voice's generation and v3 resource id. Voices an account has not bought are
still listed: the console, not the API, says which ones an account may use.

Caveats from the lists that apply to whole families: ``*_moon_bigtts`` voices
may change timbre mid-utterance; classic ``BV…`` voices speak Chinese mixed with
English, and their other languages need v1's ``audio.language``.

The file is read once per process and checked whole, so a typo fails loudly
(naming the entry and the field) instead of hiding a voice. Inside Home
Assistant, set-up and the flows that list voices first await
:func:`async_load_catalogue`, which reads it in the executor; the lookups stay
synchronous for their synchronous callers, and outside Home Assistant (tests,
scripts) the first lookup loads it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from homeassistant.core import HomeAssistant

from .languages import SUPPORTED_LANGUAGES, normalize_language, primary_subtag
from .validation import vol
from .volcengine.synthesis.bidirection import is_clone, resource_id_for_voice
from .volcengine.wire.models import RESOURCE_IDS

type Gender = Literal["female", "male"]
type Generation = Literal["2.0", "1.0", "classic", "clone"]
"""Which service speaks a voice: seed-tts-2.0, seed-tts-1.0, v1's classic voices, or a clone."""

CATALOGUE_PATH: Final = Path(__file__).with_name("voices.json")


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    """One voice as the catalogue knows it.

    ``name_zh`` / ``name_en`` are the bare names, without the "2.0" or
    "（多情感）" marks Volcengine's lists append: :func:`display_name` adds a
    qualifier back, the same way for every voice, so two voices sharing a
    name stay distinguishable.
    """

    voice_id: str
    name_zh: str
    name_en: str
    languages: tuple[str, ...]
    """BCP-47 tags from ``SUPPORTED_LANGUAGES``; the first is the voice's own."""
    gender: Gender | None
    """``None`` only for custom voices, whose speaker the integration cannot know."""
    generation: Generation
    resource_id: str
    """The v3 resource id *Automatic* sends for this voice."""
    emotions: tuple[str, ...] = ()
    """Values for the ``emotion`` parameter, only where Volcengine documents them."""
    notes: str = ""
    bidirection: bool = True
    """``False`` where Volcengine says the voice does not work on the v3 bidirectional API."""


@dataclass(frozen=True, slots=True)
class VoiceCatalogue:
    """Every documented voice (newest generation first) and the emotion ids of each family."""

    voices: tuple[VoiceInfo, ...]
    emotion_vocabularies: Mapping[str, frozenset[str]]
    """``large_model_zh``, ``large_model_en``, ``classic``: the ids Volcengine documents."""
    by_id: Mapping[str, VoiceInfo]


class CatalogueError(ValueError):
    """The catalogue file is not valid: the message names the entry and the field."""


_TEXT: Final = vol.All(str, vol.Length(min=1))
_FILE_SCHEMA: Final = vol.Schema(
    {
        vol.Optional("$comment"): str,
        vol.Required("emotion_vocabularies"): {str: vol.All([_TEXT], vol.Unique())},
        vol.Required("voices"): vol.All(list, vol.Length(min=1)),
    }
)


def _voice_schema(emotions: frozenset[str]) -> vol.Schema:
    """Check one voice: known languages, generations, resource ids and emotion ids."""
    return vol.Schema(
        {
            vol.Required("id"): _TEXT,
            vol.Required("name_zh"): _TEXT,
            vol.Required("name_en"): _TEXT,
            vol.Required("languages"): vol.All(
                [vol.In(SUPPORTED_LANGUAGES)], vol.Length(min=1), vol.Unique(), vol.Coerce(tuple)
            ),
            vol.Required("gender"): vol.In(("female", "male")),
            vol.Required("generation"): vol.In(("2.0", "1.0", "classic")),
            vol.Required("resource_id"): vol.In(RESOURCE_IDS),
            vol.Optional("emotions", default=list): vol.All(
                [vol.In(emotions)], vol.Unique(), vol.Coerce(tuple)
            ),
            vol.Optional("notes", default=""): str,
            vol.Optional("bidirection", default=True): bool,
        }
    )


def parse_catalogue(text: str, source: str = CATALOGUE_PATH.name) -> VoiceCatalogue:
    """Check the catalogue's JSON and build it; raise :class:`CatalogueError` on any fault."""
    try:
        data = _FILE_SCHEMA(json.loads(text))
    except json.JSONDecodeError as err:
        raise CatalogueError(f"{source}: {err}") from err
    except vol.Invalid as err:
        raise CatalogueError(f"{source}: {_where(err, 'file')}: {err.msg}") from err
    vocabularies = {name: frozenset(ids) for name, ids in data["emotion_vocabularies"].items()}
    schema = _voice_schema(frozenset().union(*vocabularies.values()))
    by_id: dict[str, VoiceInfo] = {}
    for number, entry in enumerate(data["voices"], start=1):
        name = f"{source}: voice #{number}"
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            name += f" ({entry['id']})"
        try:
            checked = schema(entry)
        except vol.Invalid as err:
            raise CatalogueError(f"{name}: {_where(err, 'entry')}: {err.msg}") from err
        voice_id = checked.pop("id")
        if voice_id in by_id:
            raise CatalogueError(f"{name}: id: listed twice")
        by_id[voice_id] = VoiceInfo(voice_id=voice_id, **checked)
    return VoiceCatalogue(tuple(by_id.values()), vocabularies, by_id)


def _where(error: vol.Invalid, whole: str) -> str:
    """Name the field of an error as a path: ``languages/0``, or ``whole`` for the item itself."""
    return "/".join(str(part) for part in error.path) or whole


_loaded: VoiceCatalogue | None = None


def load_catalogue() -> VoiceCatalogue:
    """Return the catalogue, reading ``voices.json`` the first time (blocking I/O)."""
    global _loaded  # noqa: PLW0603 (read once per process; the data never changes)
    if _loaded is None:
        _loaded = parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return _loaded


async def async_load_catalogue(hass: HomeAssistant) -> VoiceCatalogue:
    """Load the catalogue in the executor, once, so no lookup reads a file in the event loop."""
    if _loaded is not None:
        return _loaded
    return await hass.async_add_executor_job(load_catalogue)


_CLASSIC_ID: Final = re.compile(r"B[VR]\d+(?:_V2)?_streaming")
"""Classic v1 voices: ``BV001_streaming``, ``BV700_V2_streaming``, ``BR001_streaming``."""
_TTS2_PREFIX: Final = "saturn_"
_TTS2_SUFFIXES: Final = ("_uranus_bigtts", "_saturn_bigtts")

_QUALIFIERS: Final[dict[str, tuple[str, str]]] = {
    "2.0": ("2.0", "2.0"),
    "classic": ("经典", "classic"),
}
"""Generation → (Chinese, English) qualifier shown after a voice's name."""
_EMOTIONAL: Final = ("多情感", "emotional")
"""Qualifier of a 1.0 voice that takes emotions, the way Volcengine's list marks them."""


def voice_by_id(voice_id: str) -> VoiceInfo | None:
    """Return the catalogue's entry for a voice id, or ``None`` for ids it does not list."""
    return load_catalogue().by_id.get(voice_id)


def voices_for_language(language: str) -> list[VoiceInfo]:
    """Return the voices that speak ``language``, the closest dialect first.

    A voice matches when one of its languages has the same primary subtag as
    the normalised request, so every Chinese voice (zh-CN, zh-TW and Cantonese
    zh-HK alike) is offered for any Chinese request and every English voice for
    any English one: a user who picks zh-TW may still want a Mainland voice.
    Voices that speak the exact requested dialect come first, so a zh-TW
    request lists the Taiwanese voices before the others. Within each group
    the catalogue's order is kept. Unsupported languages get an empty list.
    """
    wanted = normalize_language(language)
    primary = primary_subtag(wanted)
    exact: list[VoiceInfo] = []
    related: list[VoiceInfo] = []
    for voice in load_catalogue().voices:
        if wanted in voice.languages:
            exact.append(voice)
        elif any(primary_subtag(spoken) == primary for spoken in voice.languages):
            related.append(voice)
    return exact + related


def display_name(voice: VoiceInfo, language: str) -> str:
    """Name a voice for a list shown in ``language``: Chinese for zh*, English otherwise.

    A qualifier such as "(2.0)", "(多情感)" or "(classic)" follows the name,
    because Volcengine sells the same speaker in several generations under one
    name (灿灿 is a 1.0 voice and a classic one), and a list of identical names
    would hide which one is billed and which API it needs.
    """
    chinese = primary_subtag(normalize_language(language)) == "zh"
    name = voice.name_zh if chinese else voice.name_en
    qualifier = _qualifier(voice)
    if qualifier is None:
        return name
    return f"{name} ({qualifier[0] if chinese else qualifier[1]})"


def _qualifier(voice: VoiceInfo) -> tuple[str, str] | None:
    if voice.generation == "1.0" and voice.emotions:
        return _EMOTIONAL
    return _QUALIFIERS.get(voice.generation)


def generation_of(voice_id: str) -> Generation:
    """Tell which generation speaks a voice, from the catalogue or else from its id's pattern.

    The pattern covers voices Volcengine adds after this catalogue was written
    and ids users type in: ``…_uranus_bigtts``, ``…_saturn_bigtts`` and
    ``saturn_…`` are 2.0; ``S_…`` and ``ICL_…`` are clones; ``BV…_streaming``
    is classic; anything else is assumed to be 1.0, the largest family.
    Catalogue entries win over the pattern: Volcengine lists some ``ICL_…_tob``
    voices as ordinary 1.0 voices.
    """
    known = voice_by_id(voice_id)
    if known is not None:
        return known.generation
    if voice_id.startswith(_TTS2_PREFIX) or voice_id.endswith(_TTS2_SUFFIXES):
        return "2.0"
    if is_clone(voice_id):
        return "clone"
    if _CLASSIC_ID.fullmatch(voice_id):
        return "classic"
    return "1.0"


SSML_GENERATIONS: Final = frozenset({"1.0", "classic", "clone"})
"""Generations that take SSML. *Uncertain*: the pages disagree (2.0 voices take only
``<phoneme>``, or none at all); SSML is treated as a 1.0 feature and refused for 2.0
voices. Clones are left to the service, which knows whether a clone is ICL 1.0 or 2.0."""


def takes_ssml(voice_id: str) -> bool:
    """Whether an SSML message for this voice is worth sending (not for 2.0 voices)."""
    return generation_of(voice_id) in SSML_GENERATIONS


def speaks_bidirectionally(voice_id: str) -> bool:
    """Whether the v3 bidirectional API speaks this voice (the catalogue says; unlisted: yes)."""
    known = voice_by_id(voice_id)
    return known is None or known.bidirection


def custom_voice(voice_id: str) -> VoiceInfo:
    """Describe a voice the user added by id, typically a clone (``S_…``, ``ICL_…``).

    The integration cannot know who speaks a clone or in which language it was
    recorded, so the voice is offered for every supported language and has no
    gender. Callers should look the id up with :func:`voice_by_id` first; this
    always describes it as custom.
    """
    voice_id = voice_id.strip()
    if not voice_id:
        raise ValueError("A custom voice needs a voice id")
    return VoiceInfo(
        voice_id,
        f"自定义音色 {voice_id}",
        f"Custom voice {voice_id}",
        tuple(SUPPORTED_LANGUAGES),
        None,
        generation_of(voice_id),
        resource_id_for_voice(voice_id),
    )
