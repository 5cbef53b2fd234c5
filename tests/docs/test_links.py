"""Links in the README and docs/ lead somewhere: to a file that exists, to a heading in it.

Links are read by a CommonMark parser (markdown-it-py, which the integration
already uses), so a link inside a code block is not a link. Anchors follow
GitHub's rules for heading ids: lower case, punctuation dropped (letters of any
script, digits, ``-`` and ``_`` kept), spaces turned into ``-``, and ``-1``,
``-2`` … for a repeated heading. Links to other sites are not fetched.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT: Final = Path(__file__).resolve().parents[2]
PAGES: Final = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
PARSER: Final = MarkdownIt("commonmark").enable("table")


def _tokens(path: Path) -> list[Token]:
    return PARSER.parse(path.read_text(encoding="utf-8"))


def _inline_children(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from token.children or ()


def _links(path: Path) -> Iterator[str]:
    """Every link and image target on a page."""
    for token in _inline_children(_tokens(path)):
        if token.type == "link_open":
            yield str(token.attrGet("href"))
        elif token.type == "image":
            yield str(token.attrGet("src"))


def github_slug(heading: str) -> str:
    """The id GitHub gives a heading (before de-duplication)."""
    kept = (
        character
        for character in heading.strip().lower()
        if character.isalnum()
        or character in " -_"
        or unicodedata.category(character).startswith("M")
    )
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The ids of a page's headings, numbered as GitHub numbers repeats."""
    tokens = _tokens(path)
    seen: dict[str, int] = {}
    found: set[str] = set()
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "heading_open":
            continue
        text = "".join(child.content for child in inline.children or ())
        slug = github_slug(text)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def _broken(page: Path) -> list[str]:
    broken = []
    for target in _links(page):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # another site
        linked = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif parts.fragment and unquote(parts.fragment) not in anchors(linked):
            broken.append(f"{target}: no such heading")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading(page: Path) -> None:
    assert _broken(page) == []


def test_the_docs_are_linked_from_the_front_page() -> None:
    linked = {
        (ROOT / urlsplit(target).path).resolve()
        for target in _links(ROOT / "README.md")
        if not urlsplit(target).scheme
    }
    assert [page.name for page in PAGES if page not in linked and page.name != "README.md"] == []


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        (
            "Getting credentials from the Volcengine console (获取凭据)",
            "getting-credentials-from-the-volcengine-console-获取凭据",
        ),
        ("Options (defaults for every announcement)", "options-defaults-for-every-announcement"),
        ("2.0 voices", "20-voices"),
        ('"Volcengine rejected the login" — 3001', "volcengine-rejected-the-login--3001"),
    ],
)
def test_slugs_follow_githubs_rules(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_anchors_read_code_spans_and_number_repeats(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Usage: `tts.speak`\n\n## Notes\n\n## Notes\n", encoding="utf-8")
    assert anchors(page) == {"usage-ttsspeak", "notes", "notes-1"}


def test_a_missing_file_or_heading_is_reported(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## A heading\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#a-heading) [file](missing.md) [heading](other.md#nope)\n"
        "[here](#title) [site](https://example.com/x.md)\n\n# Title\n\n"
        "```\n[in code](missing-too.md)\n```\n",
        encoding="utf-8",
    )
    assert _broken(page) == ["missing.md: no such file", "other.md#nope: no such heading"]
