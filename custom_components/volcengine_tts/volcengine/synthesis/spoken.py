"""What a Markdown text says aloud, by CommonMark's rules (markdown-it-py).

The parser decides what is markup; this module only decides how each kind of
block sounds. Everything that is text stays: every digit and word, a ``*``
that CommonMark leaves as text (``6*7``, ``2 * 3``), escaped characters without
their backslash, code spans' contents. What goes: emphasis, heading, quote and
bullet marks, table pipes and rules, link targets, bare URLs, HTML tags, and
fenced code blocks (:data:`CODE_BLOCK_SPOKEN`). Ordered-list numbers are
spoken (``1. 打开``), so a number is never lost, whether or not it was a list
marker.

Line breaks are kept where the source has them, so plain text comes out as it
went in, and the sentence splitter still sees every line end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

CODE_BLOCK_SPOKEN: Final = ""
"""What a fenced code block sounds like. Code read aloud is noise, and a listener
cannot act on it; the one place to change that (to "(code)", say)."""


def arithmetic(state: StateInline, silent: bool) -> bool:
    """Keep a ``*`` between a digit and a letter or digit (``3*4*5``, ``x**2``) as text.

    CommonMark lets ``*`` emphasise inside a word, so ``3*4*5`` would say "345";
    in a spoken answer a star between numbers is multiplication.
    """
    source, start = state.src, state.pos
    if source[start] != "*":
        return False
    end = start
    while end < state.posMax and source[end] == "*":
        end += 1
    before = source[start - 1] if start else ""
    after = source[end] if end < state.posMax else ""
    between = _is_ascii_word(before) and _is_ascii_word(after)
    if not (between and (before.isdigit() or after.isdigit())):
        return False
    if not silent:
        state.pending += source[start:end]
    state.pos = end
    return True


def _parser() -> MarkdownIt:
    """CommonMark, plus GFM tables and strikethrough: what LLMs write.

    ``text_join`` stays off, so an escaped star (backslash, star) stays a token of its
    own and is never taken for a stray emphasis mark.
    """
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("text_join")
    parser.inline.ruler.before("emphasis", "arithmetic", arithmetic)
    return parser


PARSER: Final = _parser()

BARE_URL: Final = re.compile(r"(?i)<?https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*>?")
URL_TRAILERS: Final = ".,;:!?'\")"
"""Punctuation after a URL that belongs to the sentence, not to the URL."""
HTML_TAG: Final = re.compile(r"<[^>\n]*>")
DELIMITER_RUN: Final = re.compile(r"\*+|_+|~+|`+")
LINE_START_SYNTAX: Final = re.compile(r"(?:^|\n)(?:[ \t]|[>#*+=_~`|-]|\d{1,9}[.)])")
PLAIN_UNSAFE: Final = re.compile(r"[*_~`\[\]<>&\\|\0]|[^\S \n]|[ ](?:\n|$)")
"""What the parser may change in text with no syntax: marks, odd whitespace, trailing spaces."""


def render(source: str) -> str:
    """Say ``source``, a complete Markdown text."""
    if is_plain(source):
        return drop_urls(source)
    return parsed(source)


def parsed(source: str) -> str:
    """Say ``source`` through the parser, without the fast path."""
    return _Renderer(source).text()


def is_plain(source: str) -> bool:
    """Whether ``source`` has nothing the parser would change but URLs: the fast path."""
    return not PLAIN_UNSAFE.search(source) and not LINE_START_SYNTAX.search(source)


class _Renderer:
    """One pass over the parser's tokens, keeping the source's line breaks."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._parts: list[str] = []
        self._line = 0
        """The source line the text said so far ends on."""
        self._number: tuple[str, tuple[int, int]] | None = None
        """An ordered list item's number, until its text comes."""
        self._row: tuple[list[str], tuple[int, int]] | None = None
        self._heading_end = 0

    def text(self) -> str:
        for token in PARSER.parse(self._source):
            self._block(token)
        if self._source.endswith("\n"):
            self._parts.append("\n" * (self._source.count("\n") - self._line))
        return "".join(self._parts)

    def _block(self, token: Token) -> None:
        kind = token.type
        if kind == "list_item_open" and token.info:
            number = token.info + token.markup  # "1." or "1)"; "1. 1." nests two lists
            held = f"{self._number[0]} {number}" if self._number else number
            self._number = (held, token_map(token))
        elif kind == "list_item_close" and self._number:
            self._say(self._number[1], self._number[0])  # an empty item: its number alone
            self._number = None
        elif kind == "tbody_open":
            self._line = max(self._line, token_map(token)[0] - 1)  # the |---| row says nothing
        elif kind == "tr_open":
            self._row = ([], token_map(token))
        elif kind == "tr_close" and self._row is not None:
            self._say(self._row[1], table_row(self._row[0]))
            self._row = None
        elif kind == "inline" and self._row is not None:
            self._row[0].append(inline_text(token.children or []))
        elif kind == "heading_open":
            self._heading_end = token_map(token)[1]  # a setext heading's underline too
        elif kind == "inline":
            start, end = token_map(token)
            lines = start, max(end, self._heading_end)
            self._heading_end = 0
            self._say(lines, self._numbered(inline_text(token.children or [])))
        elif kind == "fence":
            self._say(token_map(token), CODE_BLOCK_SPOKEN)
        elif kind == "code_block":
            # Indented text: in a reply it is nearly always indented prose, not code.
            self._say(token_map(token), token.content.rstrip("\n"))
        elif kind == "html_block":
            self._say(token_map(token), HTML_TAG.sub("", token.content).strip())
        elif kind == "hr":
            self._say(token_map(token), "")

    def _numbered(self, text: str) -> str:
        """Put a list item's number before its first text."""
        if self._number:
            number, self._number = self._number[0], None
            return f"{number} {text}" if text else number
        return text

    def _say(self, lines: tuple[int, int], text: str) -> None:
        start, end = lines
        if start > self._line:
            self._parts.append("\n" * (start - self._line))
            self._line = start
        if not text:
            self._line = max(self._line, end)  # nothing to say: its lines and line end go
            return
        self._parts.append(text)
        self._line = max(self._line, end - 1, start + text.count("\n"))


def token_map(token: Token) -> tuple[int, int]:
    """Return the source lines of a block token (every block said has them)."""
    start, end = token.map or (0, 1)
    return start, end


def table_row(cells: Sequence[str]) -> str:
    """Cells with a pause between them: a Chinese comma after Chinese text."""
    spoken = [cell for cell in cells if cell]
    return "".join(
        cell + ("" if index == len(spoken) - 1 else "，" if _is_cjk(cell[-1]) else ", ")
        for index, cell in enumerate(spoken)
    )


def inline_text(tokens: Sequence[Token]) -> str:
    """Say a paragraph, heading or cell: what is between the marks."""
    parts: list[str] = []
    run: list[tuple[str, bool]] = []
    """Adjacent text, each piece with whether it was escaped (so it is never markup)."""
    skipping = False
    for token in tokens:
        kind = token.type
        if skipping:
            skipping = kind != "link_close"
            continue
        if kind in ("text", "text_special"):
            run.append((token.content, kind == "text_special"))
            continue
        parts.append(_plain_run(run))
        run = []
        if kind == "link_open" and token.markup in ("autolink", "linkify"):
            skipping = True  # <https://…>: for clicking, not for listening
        elif kind == "code_inline":
            parts.append(drop_urls(token.content))
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            parts.append(inline_text(token.children or []))
    parts.append(_plain_run(run))
    return "".join(parts)


def _plain_run(run: Sequence[tuple[str, bool]]) -> str:
    """Text as the parser left it, less stray marks and bare URLs."""
    if not run:
        return ""
    if all(not escaped for _, escaped in run):
        text = run[0][0] if len(run) == 1 else "".join(piece for piece, _ in run)
        return drop_stray_marks(drop_urls(text))
    # URLs first: a mark dropped from between a URL and a word would join them.
    return "".join(
        piece if escaped else drop_stray_marks(drop_urls(piece)) for piece, escaped in run
    )


def drop_stray_marks(text: str) -> str:
    """Drop emphasis marks the parser left unpaired, where they can only be markup.

    The stream is parsed a sentence at a time (see ``markup``), so ``**注意：…。…**``
    spanning two sentences leaves a ``**`` on each side: one that could only open
    (``**注意``) or only close (``完成**``): those go. What CommonMark leaves as
    text and reads as text stays (:func:`_may_be_text`). ``和_强调_和`` goes too:
    emphasis CommonMark cannot see between Chinese characters.
    """
    if not any(mark in text for mark in "*_~`"):
        return text
    parts: list[str] = []
    position = 0
    for match in DELIMITER_RUN.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        keep = _may_be_text(match.group(), before, after)
        parts.append(text[position : match.start()] + (match.group() if keep else ""))
        position = match.end()
    return "".join(parts) + text[position:]


def _may_be_text(run: str, before: str, after: str) -> bool:
    """Whether an unpaired run is the writer's text rather than a mark that lost its pair.

    Text: a run that can neither open nor close (``2 * 3``); one between letters or
    digits (``6*7``, ``x**2``, ``10~20``, but ``_`` only between ASCII ones, as in
    ``living_room``); a single ``*`` beside a digit (``2*(3+4)``). Never a backtick.
    """
    left, right = _flanking(after, before), _flanking(before, after)
    if run[0] == "`":
        return False
    if not left and not right:
        return True
    if left and right:
        word = _is_ascii_word if run[0] == "_" else str.isalnum
        return word(before) and word(after)
    return run == "*" and (before.isdigit() or after.isdigit())


def _is_ascii_word(character: str) -> bool:
    return character.isascii() and character.isalnum()


def _flanking(towards: str, away: str) -> bool:
    """CommonMark's left-flanking test (right-flanking with the arguments swapped)."""
    if towards.isspace():
        return False
    return not _is_punctuation(towards) or away.isspace() or _is_punctuation(away)


def _is_punctuation(character: str) -> bool:
    return unicodedata.category(character)[0] in "PS"


def drop_urls(text: str) -> str:
    """Bare URLs are for clicking, not for listening; the sentence's punctuation stays."""
    if "://" not in text:
        return text
    return BARE_URL.sub(_url_rest, text)


def _url_rest(match: re.Match[str]) -> str:
    url = match.group()
    tail = ""
    while url and url[-1] in URL_TRAILERS + ">" and not _own_parenthesis(url):
        url, tail = url[:-1], url[-1] + tail
    return ("<" if url.startswith("<") else "") + tail


def _own_parenthesis(url: str) -> bool:
    """Whether a URL's closing ``)`` is its own (it closes one of its ``(``)."""
    return url.endswith(")") and url.count("(") >= url.count(")")


def _is_cjk(character: str) -> bool:
    return ord(character) >= 0x2E80  # noqa: PLR2004 - CJK radicals onwards
