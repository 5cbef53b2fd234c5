"""Cutting streamed text into sentences the way the bidirectional service is documented to.

The service "processes fragmented or overlong text into sentences of suitable length";
the emulator approximates that with terminators only, which is all a client can observe:
a sentence is synthesized once its terminator has arrived, and text without one waits
for more text or for the end of the session.
"""

from typing import Final

from .audio import has_speech

TERMINATORS: Final = frozenset("。！？；.!?;…\n")
"""Characters that end a sentence (a run of them ends it once, e.g. ``?!`` or ``……``)."""


class SentenceBuffer:
    """Accumulates text fragments and hands out complete sentences.

    Sentences are stripped of surrounding whitespace; sentences with nothing to speak
    (a stray terminator that arrived in the next fragment, blank lines) are dropped,
    because the emulator cannot attach them to a sentence it has already sent.
    """

    def __init__(self) -> None:
        self._pending = ""

    @property
    def pending(self) -> str:
        """Text received but not yet part of a complete sentence."""
        return self._pending

    def feed(self, text: str) -> list[str]:
        """Add a fragment; return the sentences it completes, in order."""
        self._pending += text
        sentences: list[str] = []
        start = 0
        index = 0
        length = len(self._pending)
        while index < length:
            if self._pending[index] in TERMINATORS:
                end = index + 1
                while end < length and self._pending[end] in TERMINATORS:
                    end += 1
                sentences.append(self._pending[start:end])
                start = index = end
            else:
                index += 1
        self._pending = self._pending[start:]
        return _spoken(sentences)

    def flush(self) -> list[str]:
        """Return what is left as a last sentence (none if nothing speakable is left)."""
        rest, self._pending = self._pending, ""
        return _spoken([rest])


def split_sentences(text: str) -> list[str]:
    """Cut a complete text into sentences, the last one possibly without a terminator."""
    buffer = SentenceBuffer()
    return buffer.feed(text) + buffer.flush()


def _spoken(sentences: list[str]) -> list[str]:
    return [stripped for sentence in sentences if has_speech(stripped := sentence.strip())]
