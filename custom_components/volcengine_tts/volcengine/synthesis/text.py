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
    """Cut a whole text into sentences of at most ``max_bytes`` bytes, keeping every character."""
    splitter = SentenceSplitter(max_bytes)
    pieces = splitter.feed(text) + splitter.finish()
    return list(_merge_unspeakable(pieces, max_bytes))


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


HARD_ENDS: Final = frozenset("。！？!?…\n")
"""Characters that always end a sentence: released the moment they arrive."""
CLOSERS: Final = frozenset("\"')]}’”»」』）》】")
"""Marks that belong to the sentence they follow (a closing quote after 。)."""
SPEAK_AFTER_CHARS: Final = 60
"""A sentence still without an end is released at its last clause mark or space once
it is this long (about 4 s of speech): a reply that never ends a sentence still starts
speaking. Without any clause mark it goes at ``max_bytes``, cut between characters."""
ABBREVIATION: Final = re.compile(r"(?<![^\W])(?:[A-Z][A-Za-z]{0,2}|[a-z]|vs)$")
"""A word whose full stop may not end the sentence: ``Mr.``, ``Dr.``, ``e.g.``, ``vs.``
(sentence-stream's rule: a capitalised word of at most three letters, plus single letters)."""
LIST_NUMBER: Final = re.compile(r"[ \t]*\d{1,9}")
"""``1.`` at the start of a line numbers a list item; it ends nothing."""


class SentenceSplitter:
    """Cut streamed text (an LLM's deltas) into pieces as soon as each one is certain.

    ``。！？!?…`` and newlines end a sentence the moment they arrive: waiting for
    the next fragment would hold a finished sentence for as long as the writer
    pauses (an agent calling a tool pauses for seconds). Only a ``.`` can be
    something else — a decimal point, an abbreviation — and only then does the
    splitter wait: at the end of what has arrived, for the next character; with
    text after it, sentence-stream decides. Nothing is dropped or changed: the
    pieces joined are exactly the text fed.
    """

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._pending = ""
        """Text fed and not yet released."""
        self._held = ""
        """Released text with nothing to speak, waiting for a neighbour."""

    def feed(self, fragment: str) -> list[str]:
        """Add a fragment; return the pieces it completes, in order."""
        self._pending += fragment
        return self._release(final=False)

    def finish(self) -> list[str]:
        """Return what is left: the text is complete."""
        return self._release(final=True)

    def _release(self, *, final: bool) -> list[str]:
        ready: list[str] = []
        while (end := sentence_end(self._pending, final=final)) is not None:
            ready.append(self._take(end))
        if final and self._pending:
            ready.append(self._take(len(self._pending)))
        elif len(self._pending) >= SPEAK_AFTER_CHARS and (cut := _last_clause_break(self._pending)):
            ready.append(self._take(cut))
        while byte_length(self._pending) > self._max_bytes:
            head, self._pending = _cut(self._pending, self._max_bytes)
            ready.append(head)
        return self._speakable(_cap_all(ready, self._max_bytes), final=final)

    def _take(self, end: int) -> str:
        head, self._pending = self._pending[:end], self._pending[end:]
        return head

    def _speakable(self, pieces: Iterable[str], *, final: bool) -> list[str]:
        """Glue pieces with nothing to speak (a late closing quote) to the next one."""
        released: list[str] = []
        for piece in pieces:
            if not is_speakable(piece):
                self._held += piece
                continue
            released += join_within(self._held, piece, self._max_bytes) if self._held else [piece]
            self._held = ""
        if final and self._held:
            if released:
                *released, last = released
                released += join_within(last, self._held, self._max_bytes)
            else:
                released += _cap(self._held, self._max_bytes)
            self._held = ""
        return released


def ends_sentence(piece: str) -> bool:
    """Whether ``piece`` ends a sentence, so the service speaks it without waiting for more.

    The splitter also releases text with no end (a long clause, a cut at the byte cap);
    the service holds such text until a terminator arrives, so its silence is no stall.
    """
    tail = piece.rstrip(" \t" + "".join(CLOSERS))
    return bool(tail) and (tail[-1] in HARD_ENDS or tail[-1] == ".")


def sentence_end(text: str, *, final: bool) -> int | None:
    """Where the first certain sentence of ``text`` ends (after its closers), if anywhere."""
    for index, character in enumerate(text):
        if character in HARD_ENDS:
            return _after_closers(text, index + 1)
        if character == "." and _full_stop(text, index, final=final):
            return _after_closers(text, index + 1)
    return None


def _after_closers(text: str, end: int) -> int:
    """Extend a sentence end over the terminators and closers that follow at once."""
    while end < len(text) and (text[end] in CLOSERS or text[end] in HARD_ENDS - {"\n"}):
        end += 1
    return end


def _full_stop(text: str, index: int, *, final: bool) -> bool:
    """Whether the ``.`` at ``index`` ends a sentence (``False`` also means: not yet known).

    ``text`` starts where the current sentence starts; what follows may be long (a whole
    text), so it is looked at by position, never copied.
    """
    line_start = text.rfind("\n", 0, index) + 1
    if text[index + 1 : index + 2] == "." or LIST_NUMBER.fullmatch(text, line_start, index):
        return False  # an ellipsis goes on; "1." numbers a list
    following = index + 1
    while following < len(text) and text[following] in " \t":
        following += 1
    if following == len(text):
        # Nothing decisive after it yet: wait only where it may be a decimal point or
        # an abbreviation; otherwise a sentence ends here.
        maybe_decimal = following == index + 1 and text[index - 1 : index].isdigit()
        abbreviation = ABBREVIATION.search(text, max(0, index - 4), index)
        return final or not (maybe_decimal or abbreviation)
    if text[following] == "\n":
        return True
    # Text follows: sentence-stream tells "3.5", "e.g. this" and "Mr. Smith" from an end.
    return bool(list(SentenceBoundaryDetector().add_chunk(text[: following + 1])))


def _last_clause_break(text: str) -> int:
    """Position after the last clause mark or space in ``text`` (0 when there is none)."""
    return max((match.start() for match in CLAUSE_BREAKS.finditer(text)), default=0)


async def stream_sentences(fragments: AsyncIterable[str], max_bytes: int) -> AsyncIterator[str]:
    """:class:`SentenceSplitter` over an async stream of fragments."""
    splitter = SentenceSplitter(max_bytes)
    async for fragment in fragments:
        for piece in splitter.feed(fragment):
            yield piece
    for piece in splitter.finish():
        yield piece


def _cap_all(pieces: Iterable[str], max_bytes: int) -> Iterator[str]:
    for piece in pieces:
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
