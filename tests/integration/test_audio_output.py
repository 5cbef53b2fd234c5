"""Volcengine's 16-bit mono PCM reshaped in-process: WAV, AU and streaming FLAC."""

from __future__ import annotations

import io
import struct
from array import array

import av
import pytest

from custom_components.volcengine_tts.audio_output import (
    Container,
    FlacEncoder,
    OutputFormat,
    au_header,
    shaper_for,
    wav_header,
)

from .audio_bytes import flac_streaminfo, flac_total_samples, wav_header_of

SAMPLES = array("h", [0, 1, -1, 0x1234, -0x1234, 32767, -32768, 258]).tobytes()


def _in_pieces(output: OutputFormat, audio: bytes, size: int) -> bytes:
    """Shape ``audio`` arriving in pieces of ``size`` bytes (splitting samples when odd)."""
    shaper = shaper_for(output)
    shaped = [shaper.feed(audio[start : start + size]) for start in range(0, len(audio), size)]
    return b"".join(shaped) + shaper.finish()


def test_wav_header_states_rate_channels_width_and_unknown_sizes() -> None:
    header = wav_header_of(wav_header(22050, 2, 3))
    assert (header.layout.sample_rate, header.layout.channels, header.layout.sample_bytes) == (
        22050,
        2,
        3,
    )
    assert (header.format_tag, header.riff_size, header.data_size) == (1, 0xFFFFFFFF, 0xFFFFFFFF)
    assert len(wav_header(16000)) == 44


@pytest.mark.parametrize(
    ("channels", "sample_bytes", "first_samples"),
    [
        (1, 2, bytes([0, 0, 1, 0, 0xFF, 0xFF])),
        (2, 2, bytes([0, 0, 0, 0, 1, 0, 1, 0])),  # each sample on both channels
        (1, 3, bytes([0, 0, 0, 0, 1, 0, 0, 0xFF, 0xFF])),  # a zero low byte
        (1, 4, bytes([0, 0, 0, 0, 0, 0, 1, 0])),
        (1, 1, bytes([0x80, 0x80, 0x7F])),  # the high byte, unsigned
    ],
)
@pytest.mark.parametrize("piece", [3, 5, 1024])
def test_wav_samples_are_reshaped_exactly_whatever_the_chunking(
    channels: int, sample_bytes: int, first_samples: bytes, piece: int
) -> None:
    wav = _in_pieces(OutputFormat(Container.WAV, 16000, channels, sample_bytes), SAMPLES, piece)
    assert wav[:44] == wav_header(16000, channels, sample_bytes)
    body = wav[44:]
    assert len(body) == len(SAMPLES) // 2 * channels * sample_bytes
    assert body.startswith(first_samples)


def test_a_header_never_leaves_without_audio() -> None:
    shaper = shaper_for(OutputFormat(Container.WAV, 16000))
    assert shaper.feed(b"\x01") == b""  # half a sample: nothing to send yet
    assert shaper.feed(b"\x00") == wav_header(16000) + b"\x01\x00"
    assert shaper.finish() == b""


def test_au_is_big_endian_pcm_of_unknown_length() -> None:
    au = _in_pieces(OutputFormat(Container.AU, 48000), SAMPLES, 3)
    assert au[:24] == au_header(48000)
    assert struct.unpack(">4sIIIII", au[:24]) == (b".snd", 24, 0xFFFFFFFF, 3, 48000, 1)
    swapped = array("h", SAMPLES)
    swapped.byteswap()
    assert au[24:] == swapped.tobytes()


@pytest.mark.parametrize("container", [Container.MP3, Container.OGG])
def test_volcengine_encodings_pass_through(container: Container) -> None:
    shaper = shaper_for(OutputFormat(container, 24000))
    assert shaper.feed(b"\xff\xf3abc") == b"\xff\xf3abc"
    assert shaper.finish() == b""
    shaper.close()


def _tone(sample_rate: int, seconds: float) -> bytes:
    count = round(sample_rate * seconds)
    return array("h", [(index * 37) % 20000 - 10000 for index in range(count)]).tobytes()


def _decoded(flac: bytes) -> tuple[bytes, str]:
    with av.open(io.BytesIO(flac)) as container:
        stream = container.streams.audio[0]
        frames = list(container.decode(stream))
    return b"".join(frame.to_ndarray().tobytes() for frame in frames), frames[0].format.name


@pytest.mark.parametrize(
    ("sample_rate", "channels", "sample_bytes"),
    [(48000, 1, 2), (16000, 1, 2), (22050, 2, 2), (24000, 1, 3)],
)
def test_flac_states_its_format_and_decodes_to_the_samples(
    sample_rate: int, channels: int, sample_bytes: int
) -> None:
    pcm = _tone(sample_rate, 0.5)
    flac = _in_pieces(OutputFormat(Container.FLAC, sample_rate, channels, sample_bytes), pcm, 4001)
    info = flac_streaminfo(flac)
    assert (info.sample_rate, info.channels, info.sample_bytes) == (
        sample_rate,
        channels,
        sample_bytes,
    )
    assert flac_total_samples(flac) == 0  # unknown when the stream began, as in any stream
    samples, sample_format = _decoded(flac)
    if sample_bytes == 2 and channels == 1:
        assert (samples, sample_format) == (pcm, "s16")
    else:
        assert len(samples) == len(pcm) // 2 * channels * (2 if sample_bytes == 2 else 4)


def test_the_first_flac_packet_leaves_after_20_ms_of_audio() -> None:
    encoder = FlacEncoder(48000)
    twenty_ms = _tone(48000, 0.02)
    assert encoder.feed(twenty_ms[:-2]) == b""  # one sample short of a block
    first = encoder.feed(twenty_ms[-2:])
    assert first.startswith(b"fLaC")
    assert len(first) < 2048  # header and one block; no 8 KB padding
    encoder.close()
    encoder.close()  # closing twice (a failure after finish) is harmless


def test_flac_made_elsewhere_is_refused() -> None:
    with pytest.raises(ValueError, match="not made here"):
        FlacEncoder(48000, 1, 1)
