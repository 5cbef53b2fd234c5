"""Speakers and satellites through Home Assistant's own TTS: the bytes each one is served.

Each profile is what a device asks Home Assistant for (2026.11 sources):
Voice PE FLAC 48 kHz mono 16-bit, an ESPHome speaker WAV 16 kHz, Wyoming WAV
22.05 kHz, an Echo MP3 24 kHz at 48 kbps CBR. The audio is read from its own
bytes (FLAC STREAMINFO, WAV header, MP3 frame headers), and Home Assistant's
ffmpeg launches are counted: none from 2026.11 on; before, one per request,
fed the input it starts fastest on.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import wave
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import Any
from unittest.mock import patch

import av
import pytest
from homeassistant.components import tts
from homeassistant.components.tts.entity import TTSAudioRequest, TTSAudioResponse
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.volcengine_tts.audio_output import wav_header
from custom_components.volcengine_tts.options import PREFERRED_BITRATE
from custom_components.volcengine_tts.served_format import Release, running_release
from emulator import Emulator
from emulator.audio import render_audio

from .audio_bytes import PcmLayout, flac_streaminfo, mp3_frames, wav_header_of
from .conftest import VOICE

ENTITY_ID = "tts.volcengine_text_to_speech"
MESSAGE = "衣服洗好了"
"""Five syllables, 0.75 s: FLAC's last block is a short one (flushed at the end)."""
RELEASE = running_release()

VOICE_PE = {
    "preferred_format": "flac",
    "preferred_sample_rate": 48000,
    "preferred_sample_channels": 1,
    "preferred_sample_bytes": 2,
}
ESPHOME_SPEAKER = {
    "preferred_format": "wav",
    "preferred_sample_rate": 16000,
    "preferred_sample_channels": 1,
    "preferred_sample_bytes": 2,
}
WYOMING = ESPHOME_SPEAKER | {"preferred_sample_rate": 22050}
ECHO = {
    "preferred_format": "mp3",
    "preferred_sample_rate": 24000,
    "preferred_sample_channels": 1,
    "preferred_bitrate": 48,
}
PROFILES = pytest.mark.parametrize(
    "profile",
    [
        pytest.param(VOICE_PE, id="voice_pe_flac_48k"),
        pytest.param(ESPHOME_SPEAKER, id="esphome_wav_16k"),
        pytest.param(WYOMING, id="wyoming_wav_22k"),
        pytest.param(
            ECHO,
            id="echo_mp3_24k_48kbps",
            marks=pytest.mark.skipif(
                PREFERRED_BITRATE is None, reason="this Home Assistant has no preferred_bitrate"
            ),
        ),
    ],
)
BOTH_PROTOCOLS = pytest.mark.parametrize("protocol", ["v3", "v1"])
NEEDS_FFMPEG = pytest.mark.skipif(
    RELEASE is not Release.CONVERTS_UNDECLARED and shutil.which("ffmpeg") is None,
    reason="this Home Assistant converts with ffmpeg, which is not installed",
)


@pytest.fixture
def ffmpeg_launches() -> Iterator[list[tuple[str, ...]]]:
    """Record every subprocess Home Assistant starts (its TTS converts with ffmpeg), and run it."""
    launches: list[tuple[str, ...]] = []
    original = asyncio.create_subprocess_exec

    async def spy(program: str, *args: str, **kwargs: Any) -> asyncio.subprocess.Process:
        launches.append((program, *args))
        return await original(program, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patcher:
        patcher.setattr(asyncio, "create_subprocess_exec", spy)
        yield launches


async def _served(hass: HomeAssistant, options: dict[str, Any], message: str = MESSAGE) -> bytes:
    """Fetch audio the way a satellite's pipeline does: a result stream with its options."""
    stream = tts.async_create_stream(hass, ENTITY_ID, options=options)
    stream.async_set_message(message)
    chunks: AsyncIterator[bytes] = stream.async_stream_result()
    return b"".join([chunk async for chunk in chunks])


def _flac_samples(flac: bytes) -> bytes:
    with av.open(io.BytesIO(flac)) as container:
        return b"".join(
            frame.to_ndarray().tobytes() for frame in container.decode(container.streams.audio[0])
        )


def _layout(profile: dict[str, Any]) -> PcmLayout:
    return PcmLayout(
        profile["preferred_sample_rate"],
        profile["preferred_sample_channels"],
        profile.get("preferred_sample_bytes", 2),
    )


def _check_exact(profile: dict[str, Any], audio: bytes) -> None:
    """From 2026.11: the entity's own bytes, exactly Volcengine's audio in the asked shape."""
    rate = profile["preferred_sample_rate"]
    pcm = render_audio(MESSAGE, VOICE, encoding="pcm", sample_rate=rate)
    match profile["preferred_format"]:
        case "flac":
            assert flac_streaminfo(audio) == _layout(profile)
            assert _flac_samples(audio) == pcm
        case "wav":
            assert wav_header_of(audio).layout == _layout(profile)
            assert audio == wav_header(rate) + pcm
        case "mp3":
            frames = mp3_frames(audio)
            assert {(frame.sample_rate, frame.channels) for frame in frames} == {(rate, 1)}
            assert {frame.bitrate_kbps for frame in frames} == {48}  # constant bitrate
            assert audio == render_audio(MESSAGE, VOICE, sample_rate=rate, bitrate_kbps=48)


def _check_converted(profile: dict[str, Any], audio: bytes) -> None:
    """Before 2026.11: Home Assistant's ffmpeg output states what was asked."""
    match profile["preferred_format"]:
        case "flac":
            assert flac_streaminfo(audio) == _layout(profile)
        case "wav":
            with wave.open(io.BytesIO(audio)) as reader:
                layout = PcmLayout(
                    reader.getframerate(), reader.getnchannels(), reader.getsampwidth()
                )
            assert layout == _layout(profile)
        case "mp3":
            frames = mp3_frames(audio)
            assert {(frame.sample_rate, frame.channels) for frame in frames} == {(24000, 1)}
            assert {frame.bitrate_kbps for frame in frames} == {48}


@NEEDS_FFMPEG
@BOTH_PROTOCOLS
@PROFILES
async def test_each_satellite_is_served_what_it_asked_for(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    ffmpeg_launches: list[tuple[str, ...]],
    profile: dict[str, Any],
) -> None:
    audio = await _served(hass, profile)
    if RELEASE is Release.CONVERTS_UNDECLARED:
        _check_exact(profile, audio)
    else:
        _check_converted(profile, audio)


@BOTH_PROTOCOLS
@PROFILES
async def test_the_entity_makes_exactly_what_2026_11_passes_on(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry, profile: dict[str, Any]
) -> None:
    """On every installed release: the bytes Home Assistant 2026.11 would serve untouched."""

    response = await _entity_stream(hass, profile)
    assert response.extension == profile["preferred_format"]
    _check_exact(profile, b"".join([chunk async for chunk in response.data_gen]))


async def _entity_stream(hass: HomeAssistant, profile: dict[str, Any]) -> TTSAudioResponse:
    """Ask the entity itself, as Home Assistant 2026.11 does (on any installed release)."""

    async def message() -> AsyncGenerator[str]:
        yield MESSAGE

    entity = hass.data["entity_components"]["tts"].get_entity(ENTITY_ID)
    with patch(
        "custom_components.volcengine_tts.options.running_release",
        return_value=Release.CONVERTS_UNDECLARED,
    ):
        return await entity.async_stream_tts_audio(  # type: ignore[no-any-return]
            TTSAudioRequest("zh-CN", entity.default_options | profile, message())
        )


@BOTH_PROTOCOLS
async def test_flac_cut_off_midway_raises(
    hass: HomeAssistant, emulator: Emulator, setup_entry: MockConfigEntry
) -> None:
    """A failure after the first packet raises: Home Assistant must not cache a short FLAC."""
    emulator.config.chunk_bytes = 4800  # 50 ms of 48 kHz PCM: several packets before the cut
    emulator.faults.drop_after_frames = 2
    response = await _entity_stream(hass, VOICE_PE)
    received: list[bytes] = []

    async def listen() -> None:
        async for chunk in response.data_gen:
            received.append(chunk)  # noqa: PERF401 - kept as it arrives, up to the failure

    with pytest.raises(HomeAssistantError):
        await listen()
    assert b"".join(received).startswith(b"fLaC")


@pytest.mark.skipif(
    RELEASE is not Release.CONVERTS_UNDECLARED, reason="earlier releases always convert"
)
@BOTH_PROTOCOLS
@PROFILES
async def test_from_2026_11_home_assistant_starts_no_ffmpeg(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    ffmpeg_launches: list[tuple[str, ...]],
    profile: dict[str, Any],
) -> None:
    await _served(hass, profile)
    assert ffmpeg_launches == []


@pytest.mark.skipif(RELEASE is Release.CONVERTS_UNDECLARED, reason="2026.11 converts nothing")
@NEEDS_FFMPEG
@PROFILES
async def test_before_2026_11_ffmpeg_is_fed_its_fastest_input(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    ffmpeg_launches: list[tuple[str, ...]],
    profile: dict[str, Any],
) -> None:
    await _served(hass, profile)
    [command] = ffmpeg_launches
    source = command[: command.index("-i")]
    if RELEASE is Release.CONVERTS_PROBING_WAV:
        assert source[-4:] == ("-f", "wav", "-probesize", "32")  # the probe skipped
    else:
        assert source[-2:] == ("-f", "au")  # a header to read, nothing to probe
    assert emulator_rate(emulator) == 48000  # ffmpeg starts sooner on 48 kHz


def emulator_rate(emulator: Emulator) -> int:
    """The sample rate the last request asked Volcengine for."""
    if emulator.requests:
        return int(emulator.requests[-1].payload["audio"]["rate"])
    return int(emulator.sessions[-1].audio_params["sample_rate"])


@PROFILES
async def test_a_satellite_repeating_itself_finds_its_warm_session(
    hass: HomeAssistant,
    emulator: Emulator,
    setup_entry: MockConfigEntry,
    ffmpeg_launches: list[tuple[str, ...]],
    profile: dict[str, Any],
) -> None:
    if RELEASE is not Release.CONVERTS_UNDECLARED and shutil.which("ffmpeg") is None:
        pytest.skip("this Home Assistant converts with ffmpeg, which is not installed")
    # Set-up's free login check cancels a session of its own: count from here.
    canceled = sum(session.canceled for session in emulator.sessions)
    for message in ("第一句。", "第二句。", "第三句。"):
        await _served(hass, profile, message)
    statistics = setup_entry.runtime_data.engine.diagnostics()["pool"]["statistics"]
    # The first request cancels the default (MP3) session; the next ones find their own.
    assert statistics["warm_sessions_used"] >= 2
    assert sum(session.canceled for session in emulator.sessions) == canceled + 1
