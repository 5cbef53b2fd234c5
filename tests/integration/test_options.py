"""Per-call options: validation, what reaches the service, formats, the cache key."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts.audio_output import wav_header
from custom_components.volcengine_tts.options import (
    audio_request,
    default_options,
)
from custom_components.volcengine_tts.served_format import Release
from custom_components.volcengine_tts.volcengine import AudioEncoding
from emulator import Emulator, render_audio

from .conftest import VOICE

ENTITY_ID = "tts.volcengine_text_to_speech"
MESSAGE = "洗衣机洗好了"


def _entity(hass: HomeAssistant) -> Any:
    return hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)


@pytest.mark.parametrize(
    ("options", "option", "allowed"),
    [
        ({"speed": 3}, "speed", "0.5–2.0"),
        ({"volume": "loud"}, "volume", "0.5–2.0"),
        ({"pitch": 13}, "pitch", "-12–12"),
        ({"emotion_scale": 0}, "emotion_scale", "1–5"),
        ({"sample_rate": 11025}, "sample_rate", "8000, 16000"),
        ({"bitrate": 1000}, "bitrate", "8–320 kbps"),
        ({"explicit_language": "fr"}, "explicit_language", "crosslingual"),
    ],
)
def test_invalid_values_name_the_option_and_the_allowed_values(
    options: dict[str, Any], option: str, allowed: str
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        audio_request({"voice": VOICE, **options})
    assert caught.value.translation_key == "invalid_option"
    assert caught.value.translation_placeholders["option"] == option
    assert allowed in caught.value.translation_placeholders["allowed"]


def test_an_emotion_the_voice_lacks_is_refused() -> None:
    with pytest.raises(ServiceValidationError) as caught:
        audio_request({"voice": VOICE, "emotion": "angry"}, voice_emotions=("happy", "sad"))
    assert caught.value.translation_placeholders == {"option": "emotion", "allowed": "happy, sad"}
    settings = audio_request(
        {"voice": VOICE, "emotion": "sad"}, voice_emotions=("happy", "sad")
    ).settings
    assert settings.emotion == "sad"
    assert settings.emotion_scale == 4


def test_defaults_and_mapping() -> None:
    request = audio_request(
        {
            "voice": VOICE,
            "speed": "1.5",
            "volume": 0.8,
            "pitch": -3,
            "preferred_format": "ogg",
            "sample_rate": 48000,
            "bitrate": 64,
            "explicit_language": "en",
            "context_texts": "请慢一点说",
        }
    )
    settings = request.settings
    assert request.extension == "ogg"
    assert settings.encoding is AudioEncoding.OGG_OPUS
    assert (settings.speed_ratio, settings.volume_ratio, settings.pitch) == (1.5, 0.8, -3)
    assert (settings.sample_rate, settings.bitrate_kbps) == (48000, 64)
    assert settings.explicit_language == "en"
    assert settings.context_texts == ("请慢一点说",)


@pytest.mark.parametrize(
    ("preferred", "extension", "encoding"),
    [
        ("wav", "wav", AudioEncoding.PCM),
        ("mp3", "mp3", AudioEncoding.MP3),
        ("ogg", "ogg", AudioEncoding.OGG_OPUS),
    ],
)
def test_preferred_formats_are_produced_natively(
    preferred: str, extension: str, encoding: AudioEncoding
) -> None:
    request = audio_request(
        {"voice": VOICE, "preferred_format": preferred, "preferred_sample_rate": 16000},
        release=Release.CONVERTS_UNDECLARED,
    )
    assert request.extension == extension
    assert request.settings.encoding is encoding
    assert request.settings.sample_rate == 16000


def test_what_cannot_be_made_goes_to_home_assistant_as_streaming_wav() -> None:
    # 11,025 Hz is not a Volcengine rate: Home Assistant 2026.11 converts a
    # streaming WAV fastest (it feeds its ffmpeg raw samples without probing).
    request = audio_request(
        {"voice": VOICE, "preferred_format": "flac", "preferred_sample_rate": 11025},
        release=Release.CONVERTS_UNDECLARED,
    )
    assert (request.extension, request.settings.sample_rate) == ("wav", 48000)
    assert request.settings.encoding is AudioEncoding.PCM


def test_preferred_options_must_be_positive_numbers(hass: HomeAssistant) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        audio_request({"voice": VOICE, "preferred_sample_channels": 0})
    assert raised.value.translation_placeholders == {
        "option": "preferred_sample_channels",
        "allowed": "a positive whole number",
    }


def test_every_default_is_in_default_options() -> None:
    defaults = default_options(
        {"voice": "BV001_streaming", "speed": 1.2, "emotion": "happy", "format": "wav"}
    )
    assert defaults == {
        "voice": "BV001_streaming",
        "preferred_format": "wav",  # what HA serves, natively
        "speed": 1.2,
        "volume": 1.0,
        "pitch": 0,
        "emotion_scale": 4,
        "sample_rate": 24000,
        "filter_markdown": True,
        "emotion": "happy",
    }
    assert default_options({})["preferred_format"] == "mp3"


@pytest.mark.parametrize("protocol", ["v3", "v1"])
async def test_per_call_options_reach_the_service(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, protocol: str
) -> None:
    entity = _entity(hass)
    options = entity.default_options | {"speed": 1.5, "volume": 2.0, "sample_rate": 16000}
    extension, audio = await entity.async_get_tts_audio(MESSAGE, "zh-CN", options)
    assert extension == "mp3"
    assert audio == render_audio(MESSAGE, VOICE, sample_rate=16000, speed_ratio=1.5)
    if protocol == "v3":
        params = emulator.sessions[-1].audio_params
        assert (params["speech_rate"], params["loudness_rate"], params["sample_rate"]) == (
            50,
            100,
            16000,
        )
    else:
        audio_payload = emulator.requests[-1].payload["audio"]
        assert (
            audio_payload["speed_ratio"],
            audio_payload["loudness_ratio"],
            audio_payload["rate"],
        ) == (1.5, 2.0, 16000)


async def test_v3_only_options_travel_as_additions(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = _entity(hass)
    options = entity.default_options | {
        "voice": "zh_female_shuangkuaisisi_emo_v2_mars_bigtts",
        "pitch": 5,
        "explicit_language": "zh-cn",
        "context_texts": ["你可以说慢一点吗？"],
        "emotion": "happy",
    }
    await entity.async_get_tts_audio(MESSAGE, "zh-CN", options)
    session = emulator.sessions[-1]
    assert session.additions == {
        "explicit_language": "zh-cn",
        "post_process": {"pitch": 5},
        "context_texts": ["你可以说慢一点吗？"],
        "disable_markdown_filter": True,  # the service's Markdown filter, on by default
    }
    assert session.audio_params["emotion"] == "happy"
    assert session.audio_params["emotion_scale"] == 4


async def test_wav_is_pcm_with_a_header(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    entity = _entity(hass)
    options = entity.default_options | {"preferred_format": "wav", "sample_rate": 16000}
    extension, audio = await entity.async_get_tts_audio(MESSAGE, "zh-CN", options)
    assert extension == "wav"
    assert audio == wav_header(16000) + render_audio(
        MESSAGE, VOICE, encoding="pcm", sample_rate=16000
    )
    assert emulator.sessions[-1].audio_params["format"] == "pcm"
