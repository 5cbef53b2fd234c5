"""What is asked of Volcengine and handed to Home Assistant, per request and per release."""

from __future__ import annotations

from unittest.mock import patch

import pytest

from custom_components.volcengine_tts.audio_output import Container, OutputFormat
from custom_components.volcengine_tts.served_format import (
    Defaults,
    Delivery,
    Preferences,
    Release,
    plan_delivery,
    running_release,
)
from custom_components.volcengine_tts.volcengine import AudioEncoding

DEFAULTS = Defaults(Container.MP3, 24000)
VOICE_PE = Preferences("flac", 48000, 1, 2)
ESPHOME_SPEAKER = Preferences("wav", 16000, 1, 2)
WYOMING = Preferences("wav", 22050, 1, 2)
ECHO = Preferences("mp3", 24000, 1, None, 48)


def _plan(preferences: Preferences, release: Release = Release.CONVERTS_UNDECLARED) -> Delivery:
    return plan_delivery(preferences, DEFAULTS, release)


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [
        (VOICE_PE, Delivery(AudioEncoding.PCM, 48000, None, OutputFormat(Container.FLAC, 48000))),
        (
            ESPHOME_SPEAKER,
            Delivery(AudioEncoding.PCM, 16000, None, OutputFormat(Container.WAV, 16000)),
        ),
        (WYOMING, Delivery(AudioEncoding.PCM, 22050, None, OutputFormat(Container.WAV, 22050))),
        (ECHO, Delivery(AudioEncoding.MP3, 24000, 48, OutputFormat(Container.MP3, 24000))),
        (
            Preferences("wav", 44100, 2, 3),
            Delivery(AudioEncoding.PCM, 44100, None, OutputFormat(Container.WAV, 44100, 2, 3)),
        ),
        (
            Preferences("ogg", 48000),
            Delivery(AudioEncoding.OGG_OPUS, 48000, None, OutputFormat(Container.OGG, 48000)),
        ),
    ],
)
def test_from_2026_11_each_satellite_gets_exactly_what_it_asked(
    preferences: Preferences, expected: Delivery
) -> None:
    assert _plan(preferences) == expected


@pytest.mark.parametrize(
    "preferences",
    [
        Preferences("mp3", 24000, 2),  # Volcengine's MP3 is mono
        Preferences("mp3", 24000, 1, None, 192),  # above the service's bit_rate ceiling
        Preferences("ogg", 11025),  # not a Volcengine rate
        Preferences("aac", 16000),  # a container neither side makes
        Preferences("flac", 48000, 1, 1),  # FFmpeg's FLAC encoder takes 16 or 24 bits
    ],
)
def test_from_2026_11_what_cannot_be_made_goes_as_streaming_wav(preferences: Preferences) -> None:
    delivery = _plan(preferences)
    assert delivery.output.container is Container.WAV
    assert (delivery.output.channels, delivery.output.sample_bytes) == (1, 2)
    assert delivery.encoding is AudioEncoding.PCM


def test_a_wav_that_cannot_be_made_still_makes_home_assistant_convert() -> None:
    # A WAV under the asked extension would be passed on unconverted.
    delivery = _plan(Preferences("wav", 11025))
    assert delivery.output == OutputFormat(Container.AU, 48000)


@pytest.mark.parametrize("preferences", [VOICE_PE, ESPHOME_SPEAKER, WYOMING, ECHO])
@pytest.mark.parametrize(
    ("release", "container"),
    [(Release.CONVERTS_PROBING_WAV, Container.WAV), (Release.CONVERTS_ALWAYS, Container.AU)],
)
def test_before_2026_11_home_assistant_gets_its_fastest_input(
    preferences: Preferences, release: Release, container: Container
) -> None:
    assert _plan(preferences, release) == Delivery(
        AudioEncoding.PCM, 48000, None, OutputFormat(container, 48000)
    )


@pytest.mark.parametrize(
    ("release", "container"),
    [(Release.CONVERTS_PROBING_WAV, Container.WAV), (Release.CONVERTS_ALWAYS, Container.AU)],
)
def test_before_2026_11_an_unknown_container_alone_gets_the_fastest_input(
    release: Release, container: Container
) -> None:
    assert _plan(Preferences("aac"), release).output == OutputFormat(container, 48000)


@pytest.mark.parametrize("release", list(Release))
def test_a_format_alone_is_served_natively_on_every_release(release: Release) -> None:
    delivery = _plan(Preferences("flac"), release)
    assert delivery.output == OutputFormat(Container.FLAC, 24000)
    assert _plan(Preferences(), release).output == OutputFormat(Container.MP3, 24000)


@pytest.mark.parametrize(
    ("version", "release"),
    [
        ((2026, 2), Release.CONVERTS_ALWAYS),
        ((2026, 9), Release.CONVERTS_ALWAYS),
        ((2026, 10), Release.CONVERTS_PROBING_WAV),
        ((2026, 11), Release.CONVERTS_UNDECLARED),
        ((2027, 1), Release.CONVERTS_UNDECLARED),
    ],
)
def test_the_release_is_read_from_home_assistants_version(
    version: tuple[int, int], release: Release
) -> None:
    module = "custom_components.volcengine_tts.served_format"
    with patch(f"{module}.MAJOR_VERSION", version[0]), patch(f"{module}.MINOR_VERSION", version[1]):
        assert running_release() is release
