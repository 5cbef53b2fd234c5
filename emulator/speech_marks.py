"""Text carried inside the emulator's synthetic speech, so its recogniser can read it back.

The stand-in speech of ``audio.py`` sounds the same for every text of the same shape
(one tone per letter, one pause per punctuation mark), so the sound alone cannot be
recognised. Each segment therefore carries its own character in the least significant
bits of its first samples: a 32-bit sync word, a length byte, the character's UTF-8
bytes (plus the silent characters that follow it, so spaces survive) and a checksum.
All other samples have that bit cleared, so a mark can only start where one was put.

A change of one LSB is inaudible and survives everything Home Assistant does to
voice-command audio by default (re-chunking, WAV headers, volume 1.0); it does not
survive MP3, resampling or gain, which is why the recogniser takes only 16 kHz PCM.
Pure functions and a small incremental reader; no I/O.
"""

import sys
from array import array
from typing import Final

SYNC: Final = 0xE3A15CB7
"""Chosen to start with a set bit: a mark never hides in the cleared background."""
_SYNC_BITS: Final = bytes((SYNC >> (31 - index)) & 1 for index in range(32))
_BYTE_BITS: Final = 8
_MAX_PAYLOAD_BYTES: Final = 255
_CHECKSUM_SEED: Final = 0x5A


def _checksum(data: bytes) -> int:
    return (sum(data) + _CHECKSUM_SEED) % 256


def _bits(data: bytes) -> list[int]:
    return [(byte >> (7 - index)) & 1 for byte in data for index in range(_BYTE_BITS)]


def _samples(pcm: bytes) -> array[int]:
    samples = array("h", pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _pcm(samples: array[int]) -> bytes:
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def clear_marks(samples: array[int]) -> None:
    """Clear the LSB of every sample, in place: the background a mark stands out from."""
    for index, value in enumerate(samples):
        samples[index] = value & ~1


def mark(segment: bytes, text: str) -> bytes:
    """Return ``segment`` (s16le, LSBs cleared) carrying ``text`` in its first samples.

    Text that does not fit the segment (a very long run of spaces) is shortened.
    """
    samples = _samples(segment)
    capacity = (len(samples) - len(_SYNC_BITS)) // _BYTE_BITS - 2
    payload = text.encode("utf-8")
    while len(payload) > min(capacity, _MAX_PAYLOAD_BYTES) and text:
        text = text[:-1]
        payload = text.encode("utf-8")
    if not payload:
        return segment
    bits = (
        list(_SYNC_BITS)
        + _bits(bytes((len(payload),)))
        + _bits(payload)
        + _bits(bytes((_checksum(payload),)))
    )
    for index, bit in enumerate(bits):
        samples[index] = (samples[index] & ~1) | bit
    return _pcm(samples)


class MarkReader:
    """Read marks out of PCM arriving in chunks of any size (even odd byte counts)."""

    def __init__(self) -> None:
        self._pending_byte = b""
        self._bits = bytearray()
        self._texts: list[str] = []

    @property
    def text(self) -> str:
        """Everything read so far."""
        return "".join(self._texts)

    @property
    def found(self) -> bool:
        """Whether any mark was read: the audio is the emulator's own speech."""
        return bool(self._texts)

    def feed(self, pcm: bytes) -> None:
        """Take more s16le audio and read the marks it completes."""
        data = self._pending_byte + pcm
        whole = len(data) - len(data) % 2
        self._pending_byte = data[whole:]
        samples = _samples(data[:whole])
        self._bits += bytes(value & 1 for value in samples)
        self._read()

    def _read(self) -> None:
        while True:
            start = self._bits.find(_SYNC_BITS)
            if start < 0:
                # Keep what could still be the beginning of a sync word.
                del self._bits[: max(0, len(self._bits) - len(_SYNC_BITS) + 1)]
                return
            del self._bits[:start]
            consumed = self._read_mark()
            if consumed is None:
                return  # the rest of this mark has not arrived yet
            del self._bits[:consumed]

    def _read_mark(self) -> int | None:
        """Decode the mark at the start of the bits; return how many bits it used."""
        offset = len(_SYNC_BITS)
        if len(self._bits) < offset + _BYTE_BITS:
            return None
        length = self._byte_at(offset)
        end = offset + _BYTE_BITS * (length + 2)
        if len(self._bits) < end:
            return None
        payload = bytes(self._byte_at(offset + _BYTE_BITS * (1 + index)) for index in range(length))
        if length and self._byte_at(end - _BYTE_BITS) == _checksum(payload):
            try:
                self._texts.append(payload.decode("utf-8"))
            except UnicodeDecodeError:
                return 1  # not a mark after all: look further
            return end
        return 1

    def _byte_at(self, offset: int) -> int:
        value = 0
        for bit in self._bits[offset : offset + _BYTE_BITS]:
            value = value << 1 | bit
        return value
