"""Read what audio says about itself, from its own bytes: FLAC STREAMINFO, WAV header, MP3 frames.

Independent of the code under test (no import from the integration), so a
header written wrongly there is read as written here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

_MP3_BITRATES_KBPS: Final = {
    # (MPEG-1?, layer III) bitrate index 1..14
    True: (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES: Final = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
"""Sample rates by MPEG version id (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5) and rate index."""


@dataclass(frozen=True, slots=True)
class PcmLayout:
    """Rate, channels and bytes per sample, as a header states them."""

    sample_rate: int
    channels: int
    sample_bytes: int


def flac_streaminfo(data: bytes) -> PcmLayout:
    """Read the ``fLaC`` marker and the STREAMINFO block that must follow it."""
    assert data[:4] == b"fLaC", data[:4]
    block_type, length = data[4] & 0x7F, int.from_bytes(data[5:8], "big")
    assert (block_type, length) == (0, 34)
    info = int.from_bytes(data[8 + 10 : 8 + 18], "big")  # rate 20, channels-1 3, bits-1 5, total 36
    return PcmLayout(
        sample_rate=info >> 44,
        channels=((info >> 41) & 0x7) + 1,
        sample_bytes=(((info >> 36) & 0x1F) + 1) // 8,
    )


def flac_total_samples(data: bytes) -> int:
    """STREAMINFO's total samples: 0 when the stream's length was unknown when it began."""
    return int.from_bytes(data[8 + 13 : 8 + 18], "big") & ((1 << 36) - 1)


@dataclass(frozen=True, slots=True)
class WavHeader:
    """A canonical 44-byte WAV header."""

    layout: PcmLayout
    format_tag: int
    riff_size: int
    data_size: int


def wav_header_of(data: bytes) -> WavHeader:
    """Read RIFF/WAVE, ``fmt `` and ``data`` (in that order, as streaming WAVs have them)."""
    riff, riff_size, wave, fmt, fmt_size = struct.unpack_from("<4sI4s4sI", data)
    assert (riff, wave, fmt, fmt_size) == (b"RIFF", b"WAVE", b"fmt ", 16)
    tag, channels, rate, byte_rate, align, bits = struct.unpack_from("<HHIIHH", data, 20)
    assert (byte_rate, align) == (rate * channels * bits // 8, channels * bits // 8)
    marker, data_size = struct.unpack_from("<4sI", data, 36)
    assert marker == b"data"
    return WavHeader(PcmLayout(rate, channels, bits // 8), tag, riff_size, data_size)


@dataclass(frozen=True, slots=True)
class Mp3Frame:
    """One MPEG audio layer III frame header."""

    bitrate_kbps: int
    sample_rate: int
    channels: int
    length: int


def mp3_frames(data: bytes) -> list[Mp3Frame]:
    """Walk every frame from the first sync word to the end; a gap fails."""
    frames: list[Mp3Frame] = []
    position = 0
    if data[:3] == b"ID3":  # an ID3v2 tag first: its size is four 7-bit bytes
        size = 0
        for byte in data[6:10]:
            size = size << 7 | byte
        position = 10 + size
    while position < len(data):
        header = int.from_bytes(data[position : position + 4], "big")
        assert header >> 21 == 0x7FF, f"no frame sync at byte {position}"
        version, layer = (header >> 19) & 0x3, (header >> 17) & 0x3
        assert layer == 1, "not layer III"
        bitrate = _MP3_BITRATES_KBPS[version == 3][((header >> 12) & 0xF) - 1]
        rate = _MP3_RATES[version][(header >> 10) & 0x3]
        padding = (header >> 9) & 0x1
        channels = 1 if (header >> 6) & 0x3 == 3 else 2
        per_frame = 144 if version == 3 else 72
        length = per_frame * bitrate * 1000 // rate + padding
        frames.append(Mp3Frame(bitrate, rate, channels, length))
        position += length
    return frames
