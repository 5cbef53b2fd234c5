"""What the stripper is checked against: markdown-it's own text, and fragmenting.

The reference parses the whole text at once and collects the text its tokens
carry (``text``, escapes, ``code_inline``, image descriptions, ordered-list
numbers), leaving out what the policy leaves out: fenced code and link
targets. The stripper parses a stream piece by piece; both must say the same
words.
"""

from __future__ import annotations

import itertools
import random
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from custom_components.volcengine_tts.volcengine.synthesis.markup import EMOJI, MarkupStripper
from custom_components.volcengine_tts.volcengine.synthesis.spoken import CODE_BLOCK_SPOKEN

REFERENCE = MarkdownIt("commonmark").enable(["table", "strikethrough"])
BARE_URL = re.compile(r"(?i)https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
ISSUE_ROWS = [
    ("6*7=42。", "6*7=42。"),
    ("2 * 3 = 6，对吗？", "2 * 3 = 6，对吗？"),
    ("答案是：\n42.", "答案是：\n42."),
    ("2024. 那一年我们去了北京。", "2024. 那一年我们去了北京。"),
    ("\\*转义\\*", "*转义*"),
    (
        "代码如下：\n```python\nprint(6 * 7)\n```\n就这样。",
        f"代码如下：\n{CODE_BLOCK_SPOKEN}就这样。",
    ),
]
"""Issue 18's table: what the agent wrote, and what must reach the service."""


def as_fed(fragments: list[str]) -> list[str]:
    """What the stripper returns for each fragment, then for the end."""
    stripper = MarkupStripper()
    return [stripper.feed(fragment) for fragment in fragments] + [stripper.finish()]


def random_fragments(text: str, seed: int, *, most: int = 12) -> list[str]:
    """``text`` cut at random places, as an LLM's deltas might cut it."""
    chooser = random.Random(seed)
    cuts = sorted(chooser.sample(range(len(text) + 1), min(len(text) + 1, most)))
    return [text[start:end] for start, end in itertools.pairwise([0, *cuts, len(text)])]


def reference_text(markdown: str) -> str:
    """markdown-it's plain text of the whole ``markdown``, with our policy on code and URLs."""
    parts: list[str] = []
    for token in REFERENCE.parse(EMOJI.sub("", markdown)):
        if token.type == "list_item_open" and token.info:
            parts.append(f" {token.info} ")
        elif token.type == "inline":
            parts.append(" " + _inline(token.children or []) + " ")
        elif token.type == "code_block":
            parts.append(" " + token.content + " ")
    return BARE_URL.sub(" ", "".join(parts))


def _inline(tokens: list[Token]) -> str:
    texts: list[str] = []
    in_autolink = False
    for token in tokens:
        if token.type == "link_open":
            in_autolink = token.markup == "autolink"
        elif token.type == "link_close":
            in_autolink = False
        elif in_autolink:
            continue
        elif token.type in ("text", "text_special", "code_inline"):
            texts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            texts.append("\n")
        elif token.type == "image":
            texts.append(_inline(token.children or []))
    return "".join(texts)


def words(text: str) -> list[str]:
    """The words and numbers, whatever stands between them.

    Emphasis and code marks count as nothing: the stripper settles emphasis a sentence
    and a line at a time, so ``6*7\n6*7`` keeps marks that the whole text pairs up,
    and it never says a backtick.
    """
    return "".join(c if c.isalnum() else "" if c in "*_~`" else " " for c in text).split()
