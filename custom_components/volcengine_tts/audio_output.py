"""Volcengine's 16-bit mono PCM reshaped, in-process, into what a speaker asked for.

Volcengine produces MP3, Ogg Opus and raw PCM (signed 16-bit little-endian,
mono, at one of its sample rates). Everything else a speaker may ask for is
made here, chunk by chunk as the PCM arrives, so nothing waits for a whole
answer and no subprocess is started:

- WAV: one streaming header (sizes unknown), then the samples at the width
  and channel count asked (mono is duplicated for stereo);
- FLAC: encoded with PyAV (Home Assistant's ``stream`` component pins it),
  in short blocks so the first packet leaves after ~20 ms of audio;
- Sun AU: big-endian PCM behind a 24-byte header. No speaker asks for it:
  it is what Home Assistant's ffmpeg starts converting fastest on releases
  that convert everything (see ``served_format``).

Nothing here knows Home Assistant or the Volcengine protocol.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol

import av
from av.audio.stream import AudioStream

SOURCE_SAMPLE_BYTES: Final = 2
"""Volcengine's PCM: signed 16-bit little-endian, one channel."""
UNKNOWN_SIZE: Final = 0xFFFFFFFF
"""RIFF and AU both mark a length not known in advance (a stream) this way."""
WAV_FORMAT_PCM: Final = 1
AU_HEADER_BYTES: Final = 24
AU_LINEAR_16: Final = 3
"""AU encoding 3: 16-bit linear PCM, big-endian."""
FLAC_BLOCK_SECONDS: Final = 0.02
"""FLAC block length: 960 samples at 48 kHz (FFmpeg's default 4608 holds the
first packet back ~100 ms and, with the muxer's buffer, much longer)."""
FLAC_IO_BUFFER_BYTES: Final = 4096
FLAC_SAMPLE_BYTES: Final = (2, 3)
"""FFmpeg's FLAC encoder takes s16 (16-bit FLAC) and s32 (24-bit FLAC)."""
WAV_SAMPLE_BYTES: Final = (1, 2, 3, 4)
"""8-bit WAV is unsigned; wider samples are signed (as Home Assistant's ffmpeg reads them)."""
MAX_CHANNELS: Final = 2
_SIGN_FLIP: Final = bytes((value ^ 0x80) for value in range(256))


class Container(StrEnum):
    """How the audio handed to Home Assistant is wrapped; values are its file extensions."""

    MP3 = "mp3"
    OGG = "ogg"
    WAV = "wav"
    FLAC = "flac"
    AU = "au"


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """What leaves the entity: container, rate, channels and width of each sample.

    For MP3 and Ogg (Volcengine's own encodings, passed through) only the
    container matters here; the rest describes PCM-based containers.
    """

    container: Container
    sample_rate: int
    channels: int = 1
    sample_bytes: int = SOURCE_SAMPLE_BYTES


class AudioShaper(Protocol):
    """Turns Volcengine's chunks into output chunks; ``finish`` once the audio ended."""

    def feed(self, chunk: bytes) -> bytes:
        """Return the output for this chunk (maybe empty: not a whole sample yet)."""

    def finish(self) -> bytes:
        """Return what is still held back, and release resources."""

    def close(self) -> None:
        """Release resources without output (the audio failed)."""


def shaper_for(output: OutputFormat) -> AudioShaper:
    """Build the shaper that makes ``output`` out of Volcengine's audio."""
    match output.container:
        case Container.MP3 | Container.OGG:
            return PassThrough()
        case Container.WAV:
            return HeaderedPcm(
                wav_header(output.sample_rate, output.channels, output.sample_bytes),
                PcmReshaper(output.channels, output.sample_bytes),
            )
        case Container.AU:
            return HeaderedPcm(
                au_header(output.sample_rate), PcmReshaper(1, SOURCE_SAMPLE_BYTES, big_endian=True)
            )
        case Container.FLAC:
            return FlacEncoder(output.sample_rate, output.channels, output.sample_bytes)


def wav_header(
    sample_rate: int, channels: int = 1, sample_bytes: int = SOURCE_SAMPLE_BYTES
) -> bytes:
    """Build a streaming WAV header: PCM of unknown length (both sizes 0xFFFFFFFF).

    Home Assistant 2026.11 passes such a WAV through untouched when its rate
    and channels are what was asked.
    """
    block_align = channels * sample_bytes
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        UNKNOWN_SIZE,
        b"WAVE",
        b"fmt ",
        16,
        WAV_FORMAT_PCM,
        channels,
        sample_rate,
        sample_rate * block_align,
        block_align,
        sample_bytes * 8,
        b"data",
        UNKNOWN_SIZE,
    )


def au_header(sample_rate: int) -> bytes:
    """Build a Sun AU header for 16-bit big-endian mono PCM of unknown length."""
    return struct.pack(
        ">4sIIIII", b".snd", AU_HEADER_BYTES, UNKNOWN_SIZE, AU_LINEAR_16, sample_rate, 1
    )


class PassThrough:
    """Volcengine's MP3 or Ogg, unchanged."""

    def feed(self, chunk: bytes) -> bytes:
        """Return the chunk as it came."""
        return chunk

    def finish(self) -> bytes:
        """Hold nothing back."""
        return b""

    def close(self) -> None:
        """Hold nothing."""


class PcmReshaper:
    """16-bit mono samples to ``channels`` × ``sample_bytes``, exactly (no mixing, no dither).

    Wider samples get zero low bytes, 8-bit keeps the high byte made unsigned,
    and every channel carries the same sample. Chunks may split a sample: the
    odd byte waits for the next chunk.
    """

    def __init__(self, channels: int, sample_bytes: int, *, big_endian: bool = False) -> None:
        self._channels = channels
        self._sample_bytes = sample_bytes
        self._big_endian = big_endian
        self._carry = b""

    def feed(self, chunk: bytes) -> bytes:
        """Reshape the whole samples in ``carry + chunk``."""
        data = self._carry + chunk
        whole = len(data) - len(data) % SOURCE_SAMPLE_BYTES
        self._carry = data[whole:]
        return self._reshape(data[:whole])

    def finish(self) -> bytes:
        """Drop a trailing half sample (never a whole one)."""
        self._carry = b""
        return b""

    def close(self) -> None:
        """Forget a trailing half sample."""
        self._carry = b""

    def _reshape(self, samples: bytes) -> bytes:
        if self._big_endian:
            swapped = bytearray(len(samples))
            swapped[0::2], swapped[1::2] = samples[1::2], samples[0::2]
            return bytes(swapped)
        if self._channels == 1 and self._sample_bytes == SOURCE_SAMPLE_BYTES:
            return samples
        low, high = samples[0::2], samples[1::2]
        if self._sample_bytes == 1:
            low, high = b"", high.translate(_SIGN_FLIP)
        width = self._sample_bytes
        frame = width * self._channels
        out = bytearray(len(high) * frame)
        for channel in range(self._channels):
            start = channel * width
            if low:
                out[start + width - 2 :: frame] = low
            out[start + width - 1 :: frame] = high
        return bytes(out)


class HeaderedPcm:
    """PCM behind a header that travels with the first audio, never alone.

    A failure before any audio then leaves Home Assistant with no bytes at all
    (so it answers with an error instead of an empty file).
    """

    def __init__(self, header: bytes, reshaper: PcmReshaper) -> None:
        self._header = header
        self._reshaper = reshaper

    def feed(self, chunk: bytes) -> bytes:
        """Return the reshaped samples, the header before the first of them."""
        samples = self._reshaper.feed(chunk)
        if not samples:
            return b""
        out, self._header = self._header + samples, b""
        return out

    def finish(self) -> bytes:
        """Nothing is held back but a half sample."""
        return self._reshaper.finish()

    def close(self) -> None:
        """Release the reshaper."""
        self._reshaper.close()


class _Sink:
    """A write-only, non-seekable file for PyAV: the FLAC muxer then never seeks back."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


class FlacEncoder:
    """Streaming FLAC from 16-bit mono PCM, packet by packet, with PyAV.

    The ``fLaC`` header's STREAMINFO carries the rate, channels and width; its
    total-samples and MD5 fields stay unknown, as in any FLAC stream (Home
    Assistant's own ffmpeg output is the same). 24-bit FLAC is encoded from
    s32 samples (FFmpeg keeps their top 24 bits).
    """

    def __init__(self, sample_rate: int, channels: int = 1, sample_bytes: int = 2) -> None:
        if sample_bytes not in FLAC_SAMPLE_BYTES or not 1 <= channels <= MAX_CHANNELS:
            raise ValueError(f"FLAC of {channels} × {sample_bytes} bytes is not made here")
        self._rate = sample_rate
        self._layout = "mono" if channels == 1 else "stereo"
        self._format = "s16" if sample_bytes == SOURCE_SAMPLE_BYTES else "s32"
        self._reshaper = PcmReshaper(channels, 2 if sample_bytes == SOURCE_SAMPLE_BYTES else 4)
        self._frame_bytes = channels * (2 if sample_bytes == SOURCE_SAMPLE_BYTES else 4)
        self._sink = _Sink()
        self._container = av.open(
            self._sink,
            "w",
            format="flac",
            buffer_size=FLAC_IO_BUFFER_BYTES,
            # Write each packet through at once, and no 8 KB padding block.
            container_options={"fflags": "flush_packets", "metadata_header_padding": "0"},
        )
        stream = self._container.add_stream("flac", rate=sample_rate, layout=self._layout)
        if not isinstance(stream, AudioStream):  # pragma: no cover - PyAV's typing only
            raise TypeError("PyAV made no audio stream for FLAC")
        self._stream = stream
        block = max(16, round(sample_rate * FLAC_BLOCK_SECONDS))
        self._stream.codec_context.options = {"frame_size": str(block)}
        # Else PyAV resamples every frame to the codec's default (s16).
        self._stream.codec_context.format = self._format
        self._closed = False

    def feed(self, chunk: bytes) -> bytes:
        """Encode the whole samples in this chunk; return the packets finished so far."""
        samples = self._reshaper.feed(chunk)
        if samples:
            frame = av.AudioFrame(
                format=self._format, layout=self._layout, samples=len(samples) // self._frame_bytes
            )
            frame.planes[0].update(samples)
            frame.sample_rate = self._rate
            self._mux(frame)
        return self._sink.take()

    def finish(self) -> bytes:
        """Flush the encoder; the stream ends with the last packet."""
        self._mux(None)
        self.close()
        return self._sink.take()

    def close(self) -> None:
        """Close the container (its trailer cannot rewrite a non-seekable header)."""
        if not self._closed:
            self._closed = True
            self._container.close()

    def _mux(self, frame: av.AudioFrame | None) -> None:
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
