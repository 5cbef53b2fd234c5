"""Screen-only text out of what is spoken: Markdown, link targets, emoji.

An LLM writes its replies for a screen. Spoken as they are, ``**你好**`` becomes
"星星你好星星" and a link becomes its URL read letter by letter. Volcengine's own
filter (``disable_markdown_filter``) is switched on as well, but its documentation
only promises Markdown syntax; link targets, bare URLs and emoji are ours to drop.

:class:`MarkupStripper` works on a stream: it releases every character whose
fate is known and holds back only what may still turn out to be markup — a line
start that may be a list marker, a ``[`` that may open a link, a ``h`` that may
begin ``https://``. A sentence end is never such a character, so a finished
sentence is never held back. The result does not depend on how the text was cut
into fragments.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from typing import Final

import regex

EMOJI: Final = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\ufe0f\u20e3]"
)
"""Emoji and the pieces they are built of (skin tones, flags, joiners, keycaps),
one code point at a time, so a sequence split across fragments goes as well."""
DROPPED: Final = frozenset("*`")
"""Emphasis and code marks: the text between them is spoken, the marks never."""
LINE_MARKERS: Final = re.compile(r"(?:[ \t]+|>|#{1,6}|\||[-*+](?=[ \t])|\d{1,9}[.)](?!\d))*")
"""Block markers at a line start: indentation, quotes, headings, table pipes,
bullets and list numbers (also ``1.打开`` and ``1.**粗体**``, as Chinese replies
write them; ``3.5`` is a number)."""
MARKER_CHARACTERS: Final = frozenset(" \t>#|*+-_=:~`.)0123456789")
"""What a line start may consist of before its content begins."""
RULE_CHARACTERS: Final = frozenset(" \t|-:*_=~`")
"""What a line may consist of to be a rule, a table separator or a code fence."""
FENCE: Final = re.compile(r"[ \t]*(?:`{3,}|~{3,})")
THEMATIC_BREAK: Final = re.compile(r"[ \t]*([-*_=])(?:[ \t]*\1){2,}[ \t]*")
"""``---``, ``***``, ``___`` and a heading's ``===`` underline."""
PLAIN_RUN: Final = re.compile(r"(?:[^\n*`\]_~|\[<hH]|(?<=[A-Za-z0-9])[hH])+")
"""Characters that are spoken as they are, up to the next one that may be markup."""
URL_SCHEMES: Final = ("https://", "http://")
URL_CHARACTERS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=%"
)
URL_TRAILERS: Final = frozenset(".,;:!?'\")")
"""Punctuation after a URL that belongs to the sentence, not to the URL."""
LINK_TEXT_CHARS: Final = 120
"""A ``[`` without ``]`` this soon is not a link: it is dropped and the text goes on."""
LINK_TARGET_CHARS: Final = 2048


class MarkupStripper:
    """Turn Markdown fragments into the text a listener should hear, as they arrive."""

    def __init__(self) -> None:
        self._pending = ""
        self._line_start = True
        self._skip_line = False
        """Inside a code fence's line (```` ```python ````): nothing of it is spoken."""
        self._previous = ""
        """The last character consumed, spoken or not: tells a word start."""
        self._last_visible = ""
        """The last non-blank character spoken: a Chinese table gets Chinese commas."""
        self._spoken: list[str] = []

    def feed(self, fragment: str) -> str:
        """Add a fragment; return the text that is certain now."""
        self._pending += EMOJI.sub("", fragment)
        return self._run(final=False)

    def finish(self) -> str:
        """Return the rest: the text is complete."""
        return self._run(final=True)

    def _run(self, *, final: bool) -> str:
        while self._pending and self._step(final=final):
            pass
        spoken, self._spoken = "".join(self._spoken), []
        return spoken

    def _step(self, *, final: bool) -> bool:
        """Consume what the start of the pending text decides; ``False``: wait for more."""
        if self._line_start:
            return self._block_markers(final=final)
        character = self._pending[0]
        if character == "\n":
            self._consume(1, "" if self._skip_line else "\n")
            self._line_start, self._skip_line = True, False
            return True
        if self._skip_line or character in DROPPED or character == "]":
            return self._consume(1)
        handlers = {"_": self._underscore, "~": self._tilde, "|": self._pipe, "[": self._link}
        if character in handlers:
            return handlers[character](final=final)
        if character in "hH<":
            return (
                self._consume(1, character) if _is_word(self._previous) else self._url(final=final)
            )
        # Most text is none of the above: take it in one piece, not character by character.
        run = PLAIN_RUN.match(self._pending)
        length = run.end() if run else 1
        return self._consume(length, self._pending[:length])

    def _consume(self, count: int, spoken: str = "") -> bool:
        self._previous = self._pending[count - 1]
        self._pending = self._pending[count:]
        if spoken:
            self._spoken.append(spoken)
            if visible := spoken.strip():
                self._last_visible = visible[-1]
        return True

    def _block_markers(self, *, final: bool) -> bool:
        text = self._pending
        length = next((i for i, c in enumerate(text) if c not in MARKER_CHARACTERS), len(text))
        if length == len(text) and not final:
            return False  # the line's content has not begun: it may still be a marker
        prefix = text[:length]
        line_ends = length == len(text) or text[length] == "\n"
        if line_ends and _is_rule(prefix):
            self._consume(min(length + 1, len(text)))
            return True  # a rule, a table separator or a fence: nothing to say
        self._line_start = False
        if FENCE.match(prefix):
            self._skip_line = True
            return True
        marker = LINE_MARKERS.match(prefix)
        if marker is not None and marker.end():
            self._consume(marker.end())
        return True

    def _underscore(self, *, final: bool) -> bool:
        """``living_room`` is two words; ``_this_`` is emphasis."""
        if len(self._pending) < 2 and not final:  # noqa: PLR2004 - the character after it
            return False
        following = self._pending[1:2]
        between_words = _is_word(self._previous) and _is_word(following)
        return self._consume(1, " " if between_words else "")

    def _tilde(self, *, final: bool) -> bool:
        """``~~struck~~`` marks are dropped; one ``~`` ("10~20度") is a range, spoken."""
        if len(self._pending) < 2 and not final:  # noqa: PLR2004 - the character after it
            return False
        if self._pending[1:2] == "~":
            return self._consume(2)
        return self._consume(1, "~")

    def _pipe(self, *, final: bool) -> bool:
        """Between table cells a pause; at a row's end nothing."""
        rest = self._pending[1:].lstrip(" \t")
        if not rest and not final:
            return False
        if not rest or rest[0] == "\n":
            return self._consume(1)
        return self._consume(1, "，" if _is_cjk(self._last_visible) else ",")

    def _link(self, *, final: bool) -> bool:
        """``[text](target)`` speaks ``text``; a ``[`` that opens nothing is dropped."""
        text = self._pending
        close = _find(text, "]", 1, LINK_TEXT_CHARS, stop="[\n")
        if close is None:
            return self._consume(1)
        if close < 0 or close + 1 == len(text):
            if not final:
                return False
            return self._consume(1)
        label, rest = text[1:close], text[close + 1 :]
        if rest[0] == "(":
            end = _closing_parenthesis(rest, LINK_TARGET_CHARS)
            if end is not None and end < 0 and not final:
                return False
            if end is not None and end >= 0:
                rest = rest[end + 1 :]
        # The label is spoken (and stripped) like any text; its brackets never.
        self._previous = "["
        self._pending = label + rest
        return True

    def _url(self, *, final: bool) -> bool:
        """Bare URLs and ``<https://…>`` are for clicking, not for listening."""
        text = self._pending
        opening = text[0] == "<"
        start = 1 if opening else 0
        head = text[start : start + len(URL_SCHEMES[0])].lower()
        if not any(scheme.startswith(head) or head.startswith(scheme) for scheme in URL_SCHEMES):
            return self._consume(1, text[0])
        if not any(head.startswith(scheme) for scheme in URL_SCHEMES):
            # "htt" may still become "https://"; at the end it is just text.
            return self._consume(1, text[0]) if final else False
        end = next((i for i in range(start, len(text)) if text[i] not in URL_CHARACTERS), len(text))
        if end == len(text) and not final:
            return False
        url = text[start:end]
        while url and url[-1] in URL_TRAILERS and not _balanced_parenthesis(url):
            url = url[:-1]
        length = start + len(url)
        if opening and text[length : length + 1] == ">":
            length += 1
        elif opening:
            self._consume(1, "<")
            length -= 1
        return self._consume(length)


def _is_rule(prefix: str) -> bool:
    """Tell a whole line of a thematic break, a table separator or a code fence."""
    if not prefix or any(character not in RULE_CHARACTERS for character in prefix):
        return False
    separator = "|" in prefix and "-" in prefix and set(prefix) <= set(" \t|-:")
    return separator or bool(THEMATIC_BREAK.fullmatch(prefix) or FENCE.match(prefix))


def _balanced_parenthesis(url: str) -> bool:
    """Tell whether a URL's closing ``)`` is its own (it closes one of its ``(``)."""
    return url.endswith(")") and url.count("(") >= url.count(")")


def _find(text: str, wanted: str, start: int, limit: int, *, stop: str) -> int | None:
    """Find ``wanted`` within ``limit`` characters: ``None`` if it cannot come, -1 not yet."""
    for index in range(start, min(len(text), start + limit)):
        if text[index] == wanted:
            return index
        if text[index] in stop:
            return None
    return -1 if len(text) < start + limit else None


def _closing_parenthesis(text: str, limit: int) -> int | None:
    """Find the ``)`` closing ``text[0]``, nested pairs (``a_(b)``) included; as :func:`_find`."""
    depth = 0
    for index, character in enumerate(text[:limit]):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            return index
        if character == "\n":
            return None
    return -1 if len(text) < limit else None


def _is_word(character: str) -> bool:
    """ASCII letters and digits: ``living_room`` joins words, ``强_调`` does not."""
    return character.isascii() and character.isalnum()


def _is_cjk(character: str) -> bool:
    return bool(character) and ord(character) >= 0x2E80  # noqa: PLR2004 - CJK radicals onwards


def strip_markup(text: str) -> str:
    """Strip a whole text."""
    stripper = MarkupStripper()
    return stripper.feed(text) + stripper.finish()


async def stream_without_markup(fragments: AsyncIterable[str]) -> AsyncIterator[str]:
    """Strip fragments as they arrive; nothing certain is held back."""
    stripper = MarkupStripper()
    async for fragment in fragments:
        if spoken := stripper.feed(fragment):
            yield spoken
    if rest := stripper.finish():
        yield rest
