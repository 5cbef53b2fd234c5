"""Cutting text into pieces the service accepts, as early as possible.

Sentence boundaries come from ``sentence-stream`` (Home Assistant's own
choice; it handles Chinese and Western punctuation and decimals). On top of
it: a byte cap per piece (v1 refuses more than 1024 UTF-8 bytes), with long
sentences cut at clause marks and, failing that, between characters — never
inside one. Pieces with nothing to speak are glued to a neighbour where the
cap allows, because the service rejects punctuation-only text; the byte cap
always wins, and the engine skips what still has nothing to speak.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Final

from sentence_stream import SentenceBoundaryDetector

CLAUSE_BREAKS: Final = re.compile(r"(?<=[，、,;；:：—…）)\]」』”\"'])|(?<=\s)")
"""Positions right after a clause mark or whitespace: second-best places to cut."""


def byte_length(text: str) -> int:
    """UTF-8 size of ``text``: what the service counts."""
    return len(text.encode())


def is_speakable(text: str) -> bool:
    """Whether ``text`` has anything to say (a letter, digit or CJK character)."""
    return any(character.isalnum() for character in text)


def split_text(text: str, max_bytes: int) -> list[str]:
    """Cut a whole text into sentences of at most ``max_bytes`` bytes each."""
    sentences: list[str] = []
    for line in text.splitlines(keepends=True):
        detector = SentenceBoundaryDetector()
        sentences.extend(detector.add_chunk(line))
        sentences.append(detector.finish())
    return list(_merge_unspeakable(_cap_all(sentences, max_bytes), max_bytes))


SEGMENT_BREAKS: Final = re.compile(r"(?<=[。！？\n])(?![。！？\n])")
"""After a run of full-width terminators or newlines: always a sentence end, and
cheap to find (unlike ``.``, which also sits inside numbers)."""
SEGMENT_CHARS: Final = 400


async def split_text_gradually(text: str, max_bytes: int) -> AsyncIterator[str]:
    """Like :func:`split_text`, but one segment at a time, letting the loop run.

    A 20,000-character text takes ~100 ms to split at once; that would block
    Home Assistant's event loop and hold back the first sentence's audio.
    """
    segment = ""
    for part in SEGMENT_BREAKS.split(text):
        segment += part
        if len(segment) >= SEGMENT_CHARS:
            for piece in split_text(segment, max_bytes):
                yield piece
            segment = ""
            await asyncio.sleep(0)
    for piece in split_text(segment, max_bytes) if segment else []:
        yield piece


async def pack_gradually(pieces: AsyncIterable[str], max_bytes: int) -> AsyncIterator[str]:
    """:func:`pack` for pieces still being produced: the first piece goes out alone."""
    packed: str | None = None
    first = True
    async for piece in pieces:
        if first:
            yield piece
            first = False
        elif packed is None:
            packed = piece
        elif byte_length(packed) + byte_length(piece) <= max_bytes:
            packed += piece
        else:
            yield packed
            packed = piece
    if packed is not None:
        yield packed


def pack(pieces: Iterable[str], max_bytes: int, *, first_alone: bool = True) -> list[str]:
    """Join consecutive pieces up to ``max_bytes``; fewer requests for long texts.

    The first piece stays alone so that the first audio comes as fast as
    for a one-sentence message.
    """
    packed: list[str] = []
    for piece in pieces:
        can_join = packed and not (first_alone and len(packed) == 1)
        if can_join and byte_length(packed[-1]) + byte_length(piece) <= max_bytes:
            packed[-1] += piece
        else:
            packed.append(piece)
    return packed


async def stream_sentences(fragments: AsyncIterable[str], max_bytes: int) -> AsyncIterator[str]:
    """Turn arbitrary text fragments (an LLM's deltas) into sentences as they complete.

    A sentence is released as soon as the detector sees its end; text that
    grows past ``max_bytes`` without a boundary is released at a clause mark
    so the service is never starved while the writer rambles. A newline
    ends a piece too (lists and headings in LLM replies have no full stop).
    """
    detector = SentenceBoundaryDetector()
    pending = ""  # text fed to the detector and not yet released
    held = ""  # released text with nothing to speak, waiting for a neighbour
    async for fragment in fragments:
        pending += fragment
        ready: list[str] = []
        for sentence in detector.add_chunk(fragment):
            pending = _after(pending, sentence)
            ready.append(sentence)
        while "\n" in pending or byte_length(pending) > max_bytes:
            if "\n" in pending and byte_length(pending.split("\n", 1)[0]) <= max_bytes:
                line, pending = pending.split("\n", 1)
                head = line + "\n"
            else:
                head, pending = _cut(pending, max_bytes)
            ready.append(head)
            # Restart the detector on what is left, so nothing is released twice.
            detector = SentenceBoundaryDetector()
            for sentence in detector.add_chunk(pending):
                pending = _after(pending, sentence)
                ready.append(sentence)
        for piece in _cap_all(ready, max_bytes):
            if not is_speakable(piece):
                held += piece
                continue
            for joined in join_within(held, piece, max_bytes) if held else [piece]:
                yield joined
            held = ""
    last = detector.finish()
    tail = join_within(held, last, max_bytes) if held and last else [*_cap(held or last, max_bytes)]
    for piece in tail:
        if piece:
            yield piece


def _after(text: str, sentence: str) -> str:
    """Return what remains of ``text`` once ``sentence`` (its start, maybe re-spaced) is gone."""
    index = text.find(sentence)
    if index >= 0:
        return text[index + len(sentence) :]
    # The detector normalises whitespace; drop characters up to the sentence's end.
    consumed = 0
    remaining = sentence.replace(" ", "")
    for position, character in enumerate(text):
        if remaining.startswith(character):
            remaining = remaining[1:]
        consumed = position + 1
        if not remaining:
            break
    return text[consumed:]


def _cap_all(pieces: Iterable[str], max_bytes: int) -> Iterator[str]:
    for piece in pieces:
        if piece:
            yield from _cap(piece, max_bytes)


def _cap(text: str, max_bytes: int) -> Iterator[str]:
    """Yield ``text`` in parts of at most ``max_bytes``, preferring clause marks."""
    while byte_length(text) > max_bytes:
        head, text = _cut(text, max_bytes)
        yield head
    if text:
        yield text


def _cut(text: str, max_bytes: int) -> tuple[str, str]:
    """Split off the longest head of at most ``max_bytes`` bytes, at a clause mark if any."""
    limit = _characters_within(text, max_bytes)
    breaks = [match.start() for match in CLAUSE_BREAKS.finditer(text, 0, limit + 1)]
    position = max((index for index in breaks if 0 < index <= limit), default=limit)
    return text[:position], text[position:]


def _characters_within(text: str, max_bytes: int) -> int:
    """How many leading characters of ``text`` fit in ``max_bytes`` bytes (at least one)."""
    size = 0
    for index, character in enumerate(text):
        size += byte_length(character)
        if size > max_bytes:
            return max(index, 1)
    return len(text)


def join_within(left: str, right: str, max_bytes: int) -> list[str]:
    """Join two pieces, or re-cut them so each part is speakable and within the cap.

    Used to attach a punctuation-only piece to its neighbour: the service
    rejects both over-long and unspeakable text.
    """
    joined = left + right
    if byte_length(joined) <= max_bytes:
        return [joined]
    seam = len(left)
    for offset in range(1, len(joined)):
        for cut in (seam - offset, seam + offset):
            if 0 < cut < len(joined):
                head, tail = joined[:cut], joined[cut:]
                if _acceptable(head, max_bytes) and _acceptable(tail, max_bytes):
                    return [head, tail]
    # Only a run of punctuation longer than the cap gets here: keep the cap.
    return [*_cap(left, max_bytes), *_cap(right, max_bytes)]


def _acceptable(text: str, max_bytes: int) -> bool:
    return is_speakable(text) and byte_length(text) <= max_bytes


def _merge_unspeakable(pieces: Iterable[str], max_bytes: int) -> Iterator[str]:
    """Attach pieces with nothing to speak (e.g. a lone "。") to a neighbour."""
    held = ""
    previous: str | None = None
    for piece in pieces:
        if not is_speakable(piece):
            held += piece
            continue
        if previous is not None:
            *complete, previous = join_within(previous, held, max_bytes) if held else [previous]
            yield from complete
            # what follows the held punctuation starts a new piece
            yield previous
            previous = piece
        else:
            *complete, previous = join_within(held, piece, max_bytes) if held else [piece]
            yield from complete
        held = ""
    if previous is not None:
        yield from join_within(previous, held, max_bytes) if held else [previous]
    elif held:
        yield from _cap(held, max_bytes)
