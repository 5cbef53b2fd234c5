"""Telling an SSML message from text, also while it is still arriving.

SSML (``<speak>明天<break time="500ms"/>有雨。</speak>``) is one document: it
cannot be cut into sentences, filtered for Markdown, or fed to the
bidirectional API, which does not take it ("双向流式目前不支持ssml"). So the
engine must know before it sends anything whether a message is SSML. A whole
message says so at once; a streamed one says so with its first few
characters, and is then collected whole.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from typing import Final

SPEAK_OPENING: Final = "<speak"
"""How an SSML document starts (after leading whitespace)."""
SSML_DOCUMENT: Final = re.compile(r"<speak(?:\s[^>]*)?>.*</speak>", re.S)
"""A whole message that is one ``<speak>`` element."""
MAX_SSML_CHARS: Final = 150
"""Longest SSML document one request takes, tags included. *Uncertain*: the
pages say "keep it under about 150 characters"; a longer document is refused
here with a clear error rather than sent to an unknown fate, and SSML cannot
be split without breaking its tags."""


def is_ssml(text: str) -> bool:
    """Whether a whole message is an SSML document (``<speak>…</speak>``)."""
    return SSML_DOCUMENT.fullmatch(text.strip()) is not None


def _undecided(prefix: str) -> bool:
    """Whether ``prefix`` (leading whitespace removed) could still open ``<speak``."""
    return len(prefix) <= len(SPEAK_OPENING) and SPEAK_OPENING.startswith(prefix)


def _opens_speak(prefix: str) -> bool:
    """Whether ``prefix`` starts with ``<speak`` followed by ``>`` or whitespace."""
    rest = prefix[len(SPEAK_OPENING) :]
    return prefix.startswith(SPEAK_OPENING) and (rest[:1] == ">" or rest[:1].isspace())


async def sniff_ssml(fragments: AsyncIterable[str]) -> tuple[bool, AsyncIterator[str]]:
    """Read just enough of a stream to tell whether it opens an SSML document.

    Returns the verdict and the stream again, whole (the fragments read are
    replayed first). Plain text is decided by its first character that is not
    whitespace, unless that is ``<``: the wait costs nothing on an LLM's reply.
    """
    source = aiter(fragments)
    read: list[str] = []
    verdict = False
    async for fragment in source:
        read.append(fragment)
        prefix = "".join(read).lstrip()
        if not prefix:
            continue
        if _undecided(prefix):
            continue
        verdict = _opens_speak(prefix)
        break
    return verdict, _replayed(read, source)


async def _replayed(read: list[str], rest: AsyncIterator[str]) -> AsyncIterator[str]:
    for fragment in read:
        yield fragment
    async for fragment in rest:
        yield fragment


async def collect(fragments: AsyncIterable[str]) -> str:
    """Join a whole stream: an SSML document is sent in one request."""
    return "".join([fragment async for fragment in fragments])
