"""Screen-only text out of what is spoken, while a reply streams in.

An LLM writes its replies for a screen. Spoken as they are, ``**你好**`` becomes
"星星你好星星" and a link becomes its URL read letter by letter. What is markup
is CommonMark's call (``spoken`` says it with markdown-it-py); this module
decides *when* a piece of a stream can be parsed.

The stream is cut into pieces that parse alone as they parse in place: after a
line end, after a sentence end (``。！？.`` …) once markup has been seen, and
every ~200 characters — but never inside a code fence, a table, an open code
span, link or autolink, or a URL. A piece is said the moment its cut arrives,
so a finished sentence is never held back; so is the text of an unfinished
piece up to the first character that may still turn out to be markup (``*``
that may open emphasis, a line start that may become a list marker, an ``h``
that may begin ``https://``). Parsing piece by piece is also what keeps a
20,000-character text linear.

Emphasis that spans a cut (``**注意：关机。否则会坏。**``) leaves unpaired marks
in each piece; ``spoken`` drops those that can only open or only close. The
cuts depend on the text alone, never on how it was fragmented, so the result
does not either.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Final

import regex

from .spoken import render

EMOJI: Final = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\ufe0f\u20e3]"
)
"""Emoji and the pieces they are built of (skin tones, flags, joiners, keycaps),
one code point at a time, so a sequence split across fragments goes as well."""

CUT_MARKS: Final = frozenset("。！？!?…；;.")
"""Sentence ends: after them the rest of a line parses alone as it parses in place.
Not commas: emphasis spans them (``*Friday, June 7*``) far more often than sentences."""
NUMBER_MARKS: Final = frozenset(".")
"""After a digit it may sit inside a number (``3.5``) or number a list (``12.``)."""
SETEXT_UNDERLINE: Final = re.compile(r"\A=+[ \t]*(?:\n|\Z)")
"""``===`` under a heading said in the piece before."""
LEAD: Final = "。"
"""Put before a piece that starts mid-line, so it parses as the middle of a line
(never as a block marker) with the same flanking as in place; not said."""
OPEN_LIMIT: Final = 200
"""An unclosed code span, ``[`` or ``<`` older than this no longer keeps cuts off."""
TARGET_LIMIT: Final = 2048
LONG_PIECE: Final = 200
"""A piece this long is cut at the next space or Chinese character, marks or not:
each piece is parsed again as it grows, so its length bounds the work per fragment."""
IDEOGRAPH: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
INTERESTING: Final = re.compile(r"[\n\s\\`\[\]()<>|" + re.escape("".join(CUT_MARKS)) + "]")
CONTAINER: Final = r"[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*"
FENCE_OPENING: Final = re.compile(CONTAINER + r"(`{3,}|~{3,})")
FENCE_MAYBE: Final = re.compile(CONTAINER + r"(?:\d{1,9}[.)]?|[-*+])?[`~]{0,2}")
"""A line start that may still become a fence when more arrives."""
FENCE_CLOSING: Final = re.compile(r"[ \t>]*(`{3,}|~{3,})[ \t]*")
MAY_BE_MARKUP: Final = re.compile(r"[*_~`\[\]<&\\|]|!(?=\[)|(?<![^\s])!\Z")
"""What may still turn out to be markup (a ``!`` ending a word ends a sentence instead)."""
MARKERS_ONLY: Final = re.compile(r"[ \t>#|*+\-_=:~`.)0-9]*")
"""A line start that may still become a block marker (``-``, ``12.``, ``##``, ``|--``)."""
URL_CHARACTERS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#@!$&'()*+,;=%"
)
URL_TAIL: Final = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?:https?://[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]*|h(?:t(?:t(?:p(?:s?:?/?/?)?)?)?)?)\Z"
)
"""The end of what has arrived, where it is or may become a URL (``h``, ``https:/``)."""


@dataclass(slots=True)
class _Scan:
    """How far the current piece has been read, and what is open in it."""

    position: int = 0
    line_start: int = 0
    """Where the current line starts; -1 while on a piece's first, partial line."""
    fence: str = ""
    """The open code fence (```` ``` ```` or ``~~~``), if any."""
    fence_line: int = -1
    code: int = 0
    """Length of the backtick run of an open code span (0: none)."""
    code_at: int = 0
    brackets: int = 0
    brackets_at: int = 0
    target: int = 0
    """Parentheses open in a link target (``](…``)."""
    target_at: int = 0
    angle_at: int = -1
    pipe: bool = False
    """The current line has a ``|``: it may be a table row, decided by the next line."""
    word_start: int = 0
    marked: bool = False
    """Markup has been seen (up to ``checked``)."""
    checked: int = 0

    def may_cut(self, index: int) -> bool:
        """Whether the text before ``index`` parses alone as it does in place."""
        return not (
            self.fence
            or self.pipe
            or (self.code and index - self.code_at <= OPEN_LIMIT)
            or (self.brackets and index - self.brackets_at <= OPEN_LIMIT)
            or (self.target and index - self.target_at <= TARGET_LIMIT)
            or (self.angle_at >= 0 and index - self.angle_at <= OPEN_LIMIT)
        )


class MarkupStripper:
    """Turn Markdown fragments into the text a listener should hear, as they arrive."""

    def __init__(self) -> None:
        self._piece = ""
        """Text fed since the last cut."""
        self._lead = ""
        self._said = 0
        """How much of the current piece's spoken text has been returned."""
        self._settled = 0
        self._scan = _Scan()

    def feed(self, fragment: str) -> str:
        """Add a fragment; return the text that is certain now."""
        self._piece += EMOJI.sub("", fragment)
        return self._release(final=False)

    def finish(self) -> str:
        """Return the rest: the text is complete."""
        return self._release(final=True)

    def _release(self, *, final: bool) -> str:
        spoken: list[str] = []
        while (cut := self._next_cut(final=final)) is not None:
            position, lead = cut
            spoken.append(self._say(self._piece[:position]))
            self._start(self._piece[position:], lead)
        if final:
            spoken.append(self._say(self._piece) if self._piece else "")
            self._start("", "")
        elif (settled := self._settled_end()) > self._settled:
            spoken.append(self._say(self._piece[:settled]))
            self._settled = settled
        return "".join(spoken)

    def _start(self, piece: str, lead: str) -> None:
        self._piece, self._lead, self._said, self._settled = piece, lead, 0, 0
        self._scan = _Scan(line_start=-1 if lead else 0)

    def _say(self, source: str) -> str:
        """Say ``source`` (the current piece so far): the part not yet returned."""
        if self._lead:
            text = render(self._lead + source).removeprefix(self._lead)
        else:
            # In place, the line may be a list item's (indented) or a heading's underline.
            text = render(SETEXT_UNDERLINE.sub("", source.lstrip(" \t"), count=1))
        new = text[self._said :]
        self._said = max(self._said, len(text))
        return new

    def _next_cut(self, *, final: bool) -> tuple[int, str] | None:  # noqa: PLR0911, PLR0912
        """Find the next place to cut the piece, and the lead the rest needs; None: wait."""
        text, scan = self._piece, self._scan
        while scan.position < len(text):
            index = scan.position
            if index == scan.line_start and not scan.fence and not self._fence_opens(final=final):
                return None
            if scan.fence:
                if (cut := self._fence_line(text, scan)) is None:
                    return None
                if cut:
                    return cut, ""
                continue
            # Look a bounded way ahead: a long text with nothing of interest stays linear.
            match = INTERESTING.search(text, index, index + 2 * LONG_PIECE)
            limit = match.start() if match else min(len(text), index + 2 * LONG_PIECE)
            if limit > LONG_PIECE and scan.may_cut(limit):
                ideograph = IDEOGRAPH.search(text, max(index, LONG_PIECE), limit)
                if ideograph is not None:
                    return ideograph.end(), LEAD
            if match is None:
                scan.position = limit
                continue
            index = match.start()
            character = text[index]
            scan.position = index + 1
            if character == "\n":
                if scan.may_cut(index):  # each line parses alone: a table after a list item
                    return index + 1, ""
                scan.line_start = scan.word_start = index + 1
                scan.pipe, scan.angle_at, scan.target = False, -1, 0
            elif character.isspace():
                scan.word_start = index + 1
                if index >= LONG_PIECE and self._cuts_before_space(text, index):
                    return index, LEAD
            elif character in "\\`]<." and _at_end(text, index) and not final:
                scan.position = index  # what follows decides
                return None
            elif character in CUT_MARKS:
                if self._marked(index) and self._cuts_after(text, index):
                    return index + 1, LEAD
            else:
                self._open_or_close(text, index)
        return None

    def _marked(self, index: int) -> bool:
        """Whether the piece has markup before ``index``.

        Plain text parses alike in one piece or many: only markup needs a cut to end
        what it opened.
        """
        scan = self._scan
        if not scan.marked and index > scan.checked:
            scan.marked = MAY_BE_MARKUP.search(self._piece, scan.checked, index) is not None
            scan.checked = index
        return scan.marked

    def _cuts_before_space(self, text: str, index: int) -> bool:
        """Cut a long piece before a space that follows a word (a piece never ends in one)."""
        return not text[index - 1].isspace() and self._scan.may_cut(index)

    def _cuts_after(self, text: str, index: int) -> bool:
        scan, mark, following = self._scan, text[index], text[index + 1 : index + 2]
        if mark in NUMBER_MARKS and text[index - 1 : index].isdigit():
            # "3.5" goes on; so does "12." numbering a list item.
            list_number = scan.line_start >= 0 and text[scan.line_start : index].strip().isdigit()
            if list_number or not following.isspace():
                return False
        # "![" at a line start opens an image; after a word, "!" ends a sentence.
        image = mark == "!" and (index == scan.line_start or text[index - 1 : index].isspace())
        in_url = mark.isascii() and "://" in text[scan.word_start : index]
        return scan.may_cut(index) and not image and not in_url

    def _open_or_close(self, text: str, index: int) -> None:
        """Track what opens and closes: code spans, brackets, link targets, ``<…>``, pipes."""
        scan, character = self._scan, text[index]
        if character == "\\":
            scan.position = index + 2
        elif character == "`":
            end = index
            while end < len(text) and text[end] == "`":
                end += 1
            scan.position = end
            if not scan.code:
                scan.code, scan.code_at = end - index, index
            elif end - index == scan.code:
                scan.code = 0
        elif character == "[":
            scan.brackets_at = index if not scan.brackets else scan.brackets_at
            scan.brackets += 1
        elif character == "]" and scan.brackets:
            scan.brackets -= 1
            if text[index + 1 : index + 2] == "(":
                scan.target, scan.target_at, scan.position = 1, index, index + 2
        elif character in "()" and scan.target:
            scan.target += 1 if character == "(" else -1
        elif character == "<" and (
            text[index + 1 : index + 2].isalpha() or text[index + 1 : index + 2] == "/"
        ):
            scan.angle_at = index
        elif character == ">":
            scan.angle_at = -1
        elif character == "|":
            scan.pipe = True

    def _fence_opens(self, *, final: bool) -> bool:
        """At a line start: note a code fence; ``False`` when the line cannot tell yet."""
        scan, text = self._scan, self._piece
        end = text.find("\n", scan.position)
        complete = end >= 0 or final
        line = text[scan.position : end if end >= 0 else len(text)]
        opening = FENCE_OPENING.match(line)
        if opening and not complete and opening.end() == len(line):
            return False  # the run may grow: "```" then "`"
        if opening:
            scan.fence, scan.fence_line = opening.group(1), scan.position
            return True
        return complete or not FENCE_MAYBE.fullmatch(line)

    def _fence_line(self, text: str, scan: _Scan) -> int | None:
        """Inside a fence, take one line: its end if it closes the fence, 0 if not; None: wait."""
        end = text.find("\n", scan.position)
        if end < 0:
            return None
        line, opening = text[scan.position : end], scan.position == scan.fence_line
        scan.position = scan.line_start = end + 1
        closing = FENCE_CLOSING.fullmatch(line)
        if opening or closing is None:
            return 0
        run = closing.group(1)
        if run[0] != scan.fence[0] or len(run) < len(scan.fence):
            return 0
        scan.fence = ""
        return end + 1

    def _settled_end(self) -> int:
        """How much of the piece nothing still to come can change."""
        text, end = self._piece, len(self._piece)
        if (mark := MAY_BE_MARKUP.search(text)) is not None:
            end = mark.start()
            if text[end] == "|":  # a table row: the whole line waits
                end = text.rfind("\n", 0, end) + 1
        line_start = text.rfind("\n") + 1
        if (line_start or not self._lead) and MARKERS_ONLY.fullmatch(text, line_start):
            end = min(end, line_start)
        if (url := URL_TAIL.search(text, _url_characters_from(text))) is not None:
            end = min(end, url.start())
        return end


def _url_characters_from(text: str) -> int:
    """Where the run of characters a URL may have, at the end of ``text``, starts."""
    start = len(text)
    while start > max(0, len(text) - TARGET_LIMIT) and text[start - 1] in URL_CHARACTERS:
        start -= 1
    return max(0, start - 1)  # and one before it, for the look-behind


def _at_end(text: str, index: int) -> bool:
    """Whether the mark at ``index`` (a backtick run: all of it) reaches the end of ``text``."""
    mark = text[index]
    return text.endswith(mark * (len(text) - index)) if mark == "`" else index + 1 == len(text)


WHOLE_TEXT_SLICE: Final = 2_000
"""Characters of a whole text stripped between two turns of the event loop."""


def strip_markup(text: str) -> str:
    """Strip a whole text."""
    stripper = MarkupStripper()
    return stripper.feed(text) + stripper.finish()


async def strip_markup_gradually(text: str) -> str:
    """Strip a whole text, letting the event loop run between slices of it.

    markdown-it-py is pure Python: a 20,000-character Markdown message takes
    ~50 ms to parse, which in one go would stall every other task of Home
    Assistant for as long. The cuts depend on the text alone, so slicing it
    changes nothing in what is said.
    """
    stripper = MarkupStripper()
    spoken = []
    for start in range(0, len(text), WHOLE_TEXT_SLICE):
        spoken.append(stripper.feed(text[start : start + WHOLE_TEXT_SLICE]))
        await asyncio.sleep(0)
    spoken.append(stripper.finish())
    return "".join(spoken)


async def stream_without_markup(fragments: AsyncIterable[str]) -> AsyncIterator[str]:
    """Strip fragments as they arrive; nothing certain is held back."""
    stripper = MarkupStripper()
    async for fragment in fragments:
        if spoken := stripper.feed(fragment):
            yield spoken
    if rest := stripper.finish():
        yield rest
