"""What to ask Volcengine for, and what to hand Home Assistant, for each ``preferred_*`` request.

Satellites say what they play through Home Assistant's ``preferred_*``
options (Voice PE: FLAC 48 kHz mono 16-bit; ESPHome speakers and VoIP: WAV
16 kHz; Wyoming: WAV 22.05 kHz; Echo users: MP3 24 kHz at 48 kbps CBR). The
entity declares all of them, so it sees them, and each release of Home
Assistant then does something different:

- 2026.11 and later convert only what the entity did not declare: returning
  exactly what was asked means no ffmpeg at all. Whatever cannot be made
  here goes back as a streaming WAV, which Home Assistant unwraps and feeds
  its ffmpeg as raw PCM with ``-probesize 32`` (its fastest start).
- Earlier releases convert whenever a rate, channel count, width (or
  bitrate) is set, declared or not. Then only the input decides how soon
  ffmpeg's first output comes (``benchmarks.satellite_formats``: input at 3×
  real time, first byte): a continuous MP3 ≈ 420 ms; WAV ≈ 1,200 ms (24 kHz);
  Sun AU ≈ 700 ms at 16–24 kHz but ≈ 360 ms at 48 kHz; WAV with the
  ``-probesize 32`` that 2026.10 adds for WAV ≈ 470 ms at 24 kHz, ≈ 230 ms at
  48 kHz. So: WAV 48 kHz where ffmpeg is told not to probe it, AU 48 kHz
  before, and ffmpeg resamples to the satellite's rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from homeassistant.const import MAJOR_VERSION, MINOR_VERSION

from .audio_output import (
    FLAC_SAMPLE_BYTES,
    MAX_CHANNELS,
    SOURCE_SAMPLE_BYTES,
    WAV_SAMPLE_BYTES,
    Container,
    OutputFormat,
)
from .volcengine import AudioEncoding
from .volcengine.synthesis.bidirection import MAX_DEFAULT_BITRATE_KBPS

SERVICE_SAMPLE_RATES: Final = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
"""The rates Volcengine produces (v3 ``audio_params.sample_rate``)."""
FASTEST_INPUT_RATE: Final = 48000
"""Home Assistant's ffmpeg starts sooner on 48 kHz PCM than on 24 kHz (measured)."""


class Release(Enum):
    """How the running Home Assistant treats the ``preferred_*`` options an entity declares."""

    CONVERTS_UNDECLARED = "2026.11"
    """Converts only what the entity did not declare; a matching streaming WAV passes."""
    CONVERTS_PROBING_WAV = "2026.10"
    """Converts whenever any is set; tells ffmpeg not to probe WAV input."""
    CONVERTS_ALWAYS = "2026.2"
    """Converts whenever any is set; ffmpeg probes every input."""


def running_release() -> Release:
    """Tell the running Home Assistant's behaviour from its version.

    The change is inside ``tts``'s private conversion code, with no public
    flag to ask; the version constants are the public record of it (2026.11
    for "only undeclared options"; 2026.10.4, the earliest release read here,
    for ``-probesize 32``).
    """
    version = (MAJOR_VERSION, MINOR_VERSION)
    if version >= (2026, 11):
        return Release.CONVERTS_UNDECLARED
    if version >= (2026, 10):
        return Release.CONVERTS_PROBING_WAV
    return Release.CONVERTS_ALWAYS


@dataclass(frozen=True, slots=True)
class Preferences:
    """The ``preferred_*`` options of one request (``None``: not asked)."""

    format: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    sample_bytes: int | None = None
    bitrate: int | None = None
    """kbit/s, constant bitrate MP3 (Home Assistant 2026.9 and later)."""

    @property
    def shapes_audio(self) -> bool:
        """Whether Home Assistant before 2026.11 converts for these alone."""
        return any(
            value is not None
            for value in (self.sample_rate, self.channels, self.sample_bytes, self.bitrate)
        )


@dataclass(frozen=True, slots=True)
class Defaults:
    """The entity's configured format, rate and bitrate, used for what was not asked."""

    container: Container
    sample_rate: int
    bitrate: int | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """What Volcengine is asked for and what the entity hands Home Assistant."""

    encoding: AudioEncoding
    sample_rate: int
    bitrate: int | None
    output: OutputFormat


def plan_delivery(preferences: Preferences, defaults: Defaults, release: Release) -> Delivery:
    """Serve exactly what was asked where Home Assistant passes it on, else its fastest input."""
    if release is not Release.CONVERTS_UNDECLARED and preferences.shapes_audio:
        return _fastest_input(release)
    if (native := _native(preferences, defaults)) is not None:
        return native
    if release is not Release.CONVERTS_UNDECLARED:
        return _fastest_input(release)
    if preferences.format == Container.WAV:
        # A WAV under the asked extension would be passed on unconverted.
        return _fastest_input(Release.CONVERTS_ALWAYS)
    # Home Assistant unwraps a streaming WAV and feeds ffmpeg raw samples.
    rate = preferences.sample_rate or defaults.sample_rate
    rate = rate if rate in SERVICE_SAMPLE_RATES else FASTEST_INPUT_RATE
    return _pcm(OutputFormat(Container.WAV, rate))


def _fastest_input(release: Release) -> Delivery:
    container = Container.WAV if release is Release.CONVERTS_PROBING_WAV else Container.AU
    return _pcm(OutputFormat(container, FASTEST_INPUT_RATE))


def _pcm(output: OutputFormat) -> Delivery:
    return Delivery(AudioEncoding.PCM, output.sample_rate, None, output)


def _native(preferences: Preferences, defaults: Defaults) -> Delivery | None:
    """Exactly what was asked, made by Volcengine or in-process, or ``None``."""
    try:
        container = Container(preferences.format or defaults.container)
    except ValueError:
        return None  # a container neither Volcengine nor this integration makes
    rate = preferences.sample_rate or defaults.sample_rate
    channels = preferences.channels or 1
    width = preferences.sample_bytes or SOURCE_SAMPLE_BYTES
    if rate not in SERVICE_SAMPLE_RATES or channels > MAX_CHANNELS:
        return None
    match container:
        case Container.MP3 | Container.OGG:
            return _encoded(container, rate, channels, preferences.bitrate, defaults)
        case Container.WAV if width in WAV_SAMPLE_BYTES:
            return _pcm(OutputFormat(container, rate, channels, width))
        case Container.FLAC if width in FLAC_SAMPLE_BYTES:
            return _pcm(OutputFormat(container, rate, channels, width))
    return None


def _encoded(
    container: Container, rate: int, channels: int, bitrate: int | None, defaults: Defaults
) -> Delivery | None:
    """Volcengine's own MP3 or Ogg Opus: mono, and for MP3 a bitrate it keeps."""
    if channels != 1:
        return None
    if container is Container.OGG:
        output = OutputFormat(container, rate)
        return Delivery(AudioEncoding.OGG_OPUS, rate, defaults.bitrate, output)
    if bitrate is not None and bitrate > MAX_DEFAULT_BITRATE_KBPS:
        return None  # the service would lower it to its ceiling
    chosen = bitrate if bitrate is not None else defaults.bitrate
    return Delivery(AudioEncoding.MP3, rate, chosen, OutputFormat(container, rate))
