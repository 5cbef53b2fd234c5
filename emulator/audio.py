"""Deterministic stand-in speech: real, decodable audio whose length follows the text.

Every letter or digit is one "syllable" (a short sine tone whose pitch is derived from
the voice id), every punctuation mark a short pause, everything else is silent. Markdown
symbols are read by name unless the request switched the Markdown filter on, as the v3
documentation describes: unfiltered, ``**你好**`` is read "星星你好星星" (one syllable per
``*``); filtered, "你好". That is
enough for clients to check durations, formats and voices without a real synthesizer.

PCM and WAV carry the text itself, one character per segment, in the samples' least
significant bits (``speech_marks``): the emulator's recogniser reads it back, so a round
trip TTS → STT returns the original text without a real recogniser.

Each syllable and pause is encoded once per voice and format and cached; long texts are
built by concatenating the cached pieces. A concatenation of complete MP3 streams is a
valid MP3 stream, so this stays fast for the 20,000-character texts the project uses.
"""

import hashlib
import io
import math
import sys
import unicodedata
import wave
from array import array
from collections.abc import Iterator
from enum import Enum
from functools import lru_cache
from typing import Final

import lameenc

from .speech_marks import clear_marks, mark

SYLLABLE_SECONDS: Final = 0.15
PAUSE_SECONDS: Final = 0.1
DEFAULT_SAMPLE_RATE: Final = 24000
DEFAULT_BITRATE_KBPS: Final = 160
SUPPORTED_SAMPLE_RATES: Final = frozenset({8000, 16000, 22050, 24000, 32000, 44100, 48000})
SUPPORTED_ENCODINGS: Final = frozenset({"mp3", "pcm", "wav"})

_SAMPLE_BYTES: Final = 2
_AMPLITUDE: Final = 0.3 * 32767
_FADE_SECONDS: Final = 0.005
_LOWEST_PITCH_HZ: Final = 140.0
_PITCH_SPAN_TENTHS_HZ: Final = 2600
_LAME_FASTEST_QUALITY: Final = 7
_SEGMENT_CACHE_SIZE: Final = 256


MARKDOWN_SYMBOLS: Final = frozenset("*#`|~_>")
"""Symbols the service reads by name (``*`` is 星) unless its Markdown filter is on."""


class Sound(Enum):
    """What one character of text sounds like."""

    SYLLABLE = "syllable"
    PAUSE = "pause"


def sound_of(char: str, *, markdown_filter: bool = False) -> Sound | None:
    """Classify a character: letters and digits are spoken, punctuation pauses."""
    if char in MARKDOWN_SYMBOLS:
        return None if markdown_filter else Sound.SYLLABLE
    category = unicodedata.category(char)
    if category[0] in "LN":
        return Sound.SYLLABLE
    if category[0] == "P":
        return Sound.PAUSE
    return None


def _sounds(text: str, markdown_filter: bool = False) -> Iterator[Sound]:
    for char in text:
        if (sound := sound_of(char, markdown_filter=markdown_filter)) is not None:
            yield sound


def _marked_sounds(text: str, markdown_filter: bool = False) -> Iterator[tuple[Sound, str]]:
    """Pair each sound with the text it carries: its character and the silent ones after it.

    Silent characters before the first sound travel with the first one.
    """
    sound: Sound | None = None
    carried = ""
    for char in text:
        current = sound_of(char, markdown_filter=markdown_filter)
        if current is None or sound is None:
            sound = sound or current
            carried += char
            continue
        yield sound, carried
        sound, carried = current, char
    if sound is not None:
        yield sound, carried


def has_speech(text: str, *, markdown_filter: bool = False) -> bool:
    """Tell whether the text contains anything to speak (not just spaces or punctuation)."""
    return any(sound is Sound.SYLLABLE for sound in _sounds(text, markdown_filter))


def _seconds(sound: Sound, speed_ratio: float) -> float:
    base = SYLLABLE_SECONDS if sound is Sound.SYLLABLE else PAUSE_SECONDS
    return base / speed_ratio


def speech_duration(text: str, *, speed_ratio: float = 1.0, markdown_filter: bool = False) -> float:
    """Nominal duration in seconds of the speech for ``text`` (encoder padding excluded)."""
    return sum(_seconds(sound, speed_ratio) for sound in _sounds(text, markdown_filter))


def voice_pitch(voice: str) -> float:
    """Derive a stable pitch from a voice id (hashlib, unlike ``hash()``, is stable across runs)."""
    digest = hashlib.sha256(voice.encode("utf-8")).digest()
    tenths = int.from_bytes(digest[:4], "big") % _PITCH_SPAN_TENTHS_HZ
    return _LOWEST_PITCH_HZ + tenths / 10


def _segment_samples(sound: Sound, sample_rate: int, speed_ratio: float) -> int:
    return round(sample_rate * _seconds(sound, speed_ratio))


@lru_cache(maxsize=_SEGMENT_CACHE_SIZE)
def _segment_pcm(sound: Sound, voice: str, sample_rate: int, speed_ratio: float) -> bytes:
    """Signed 16-bit little-endian mono samples of one syllable or pause."""
    count = _segment_samples(sound, sample_rate, speed_ratio)
    samples = array("h", bytes(count * _SAMPLE_BYTES))
    if sound is Sound.SYLLABLE:
        step = 2 * math.pi * voice_pitch(voice) / sample_rate
        fade = max(1, round(sample_rate * _FADE_SECONDS))
        for index in range(count):
            # Fade in and out so consecutive syllables do not click.
            envelope = min(1.0, index / fade, (count - 1 - index) / fade)
            samples[index] = round(_AMPLITUDE * envelope * math.sin(step * index))
    clear_marks(samples)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


@lru_cache(maxsize=_SEGMENT_CACHE_SIZE)
def _segment_mp3(
    sound: Sound, voice: str, sample_rate: int, speed_ratio: float, bitrate_kbps: int
) -> bytes:
    """One syllable or pause as a complete MP3 stream of its own."""
    encoder = lameenc.Encoder()
    encoder.silence()
    encoder.set_channels(1)
    encoder.set_in_sample_rate(sample_rate)
    # Without this LAME resamples low bitrates to a lower rate than requested.
    encoder.set_out_sample_rate(sample_rate)
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_quality(_LAME_FASTEST_QUALITY)
    pcm = _segment_pcm(sound, voice, sample_rate, speed_ratio)
    return bytes(encoder.encode(pcm)) + bytes(encoder.flush())


def _pcm(
    text: str, voice: str, sample_rate: int, speed_ratio: float, markdown_filter: bool
) -> bytes:
    return b"".join(
        mark(_segment_pcm(sound, voice, sample_rate, speed_ratio), carried)
        for sound, carried in _marked_sounds(text, markdown_filter)
    )


def _wav(pcm: bytes, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(_SAMPLE_BYTES)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm)
    return buffer.getvalue()


def render_audio(
    text: str,
    voice: str,
    *,
    encoding: str = "mp3",
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    speed_ratio: float = 1.0,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
    markdown_filter: bool = False,
) -> bytes:
    """Render ``text`` as mono ``mp3``, ``pcm`` (s16le) or ``wav`` audio, deterministically.

    MP3 bitrates outside what the sample rate's MPEG version allows are clamped by LAME.
    """
    if encoding not in SUPPORTED_ENCODINGS:
        raise ValueError(f"unsupported encoding {encoding!r}")
    if sample_rate not in SUPPORTED_SAMPLE_RATES:
        raise ValueError(f"unsupported sample rate {sample_rate}")
    if speed_ratio <= 0:
        raise ValueError("speed_ratio must be positive")
    if encoding == "pcm":
        return _pcm(text, voice, sample_rate, speed_ratio, markdown_filter)
    if encoding == "wav":
        return _wav(_pcm(text, voice, sample_rate, speed_ratio, markdown_filter), sample_rate)
    return b"".join(
        _segment_mp3(sound, voice, sample_rate, speed_ratio, bitrate_kbps)
        for sound in _sounds(text, markdown_filter)
    )


def render_silence(
    seconds: float,
    *,
    encoding: str = "mp3",
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
) -> bytes:
    """Render ``seconds`` of silence (an SSML ``<break>``) as ``mp3`` or ``pcm``."""
    if encoding not in {"mp3", "pcm"}:
        raise ValueError(f"unsupported encoding {encoding!r} for silence")
    pcm = bytes(round(sample_rate * seconds) * _SAMPLE_BYTES)
    if encoding == "pcm" or not pcm:
        return pcm if encoding == "pcm" else b""
    encoder = lameenc.Encoder()
    encoder.silence()
    encoder.set_channels(1)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_out_sample_rate(sample_rate)
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_quality(_LAME_FASTEST_QUALITY)
    return bytes(encoder.encode(pcm)) + bytes(encoder.flush())


def wav_container(pcm: bytes, sample_rate: int) -> bytes:
    """Wrap s16le mono PCM in a WAV file."""
    return _wav(pcm, sample_rate)
