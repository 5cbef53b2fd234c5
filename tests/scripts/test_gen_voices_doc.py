"""``scripts/gen_voices_doc.py``: docs/voices.md is the catalogue's, and cannot go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.volcengine_tts.voices import load_catalogue
from scripts.gen_voices_doc import OUTPUT, main, render


def test_docs_voices_md_is_up_to_date() -> None:
    """Fails after an edit of voices.json: run `.venv/bin/python -m scripts.gen_voices_doc`."""
    assert main(["--check"]) == 0


def test_a_stale_page_fails_the_check_with_a_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "voices.md"
    page.write_text(OUTPUT.read_text(encoding="utf-8").replace("灿灿", "灿"), encoding="utf-8")
    assert main(["--check", "--output", str(page)]) == 1
    captured = capsys.readouterr()
    assert "+| `zh_female_cancan_mars_bigtts` | 灿灿" in captured.out
    assert "is stale: run .venv/bin/python -m scripts.gen_voices_doc" in captured.err


def test_a_missing_page_fails_the_check(tmp_path: Path) -> None:
    assert main(["--check", "--output", str(tmp_path / "voices.md")]) == 1


def test_writing_makes_the_check_pass(tmp_path: Path) -> None:
    page = tmp_path / "voices.md"
    assert main(["--output", str(page)]) == 0
    assert main(["--check", "--output", str(page)]) == 0


def test_every_voice_has_a_row_and_the_page_says_how_to_regenerate_it() -> None:
    page = render(load_catalogue())
    assert page.startswith("<!-- Generated from custom_components/volcengine_tts/voices.json")
    assert "Do not edit" in page
    for voice in load_catalogue().voices:
        assert f"| `{voice.voice_id}` | {voice.name_zh} |" in page


def test_voices_off_the_bidirectional_api_are_marked() -> None:
    page = render(load_catalogue())
    row = next(line for line in page.splitlines() if "`ICL_zh_female_heainainai_tob`" in line)
    assert "Not on the v3 bidirectional API" in row
