"""Write docs/voices.md from the voice catalogue; with ``--check``, fail when it is stale.

The catalogue (``custom_components/volcengine_tts/voices.json``) is the one
place a voice is described; the page users read is generated from it, so the
two cannot disagree. A test runs ``--check``, as Home Assistant's
``script/gen_requirements_all.py validate`` and ESPHome's
``script/build_codeowners.py --check`` do for theirs.

    .venv/bin/python -m scripts.gen_voices_doc            # rewrite docs/voices.md
    .venv/bin/python -m scripts.gen_voices_doc --check    # exit 1 (with a diff) if stale
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.volcengine_tts.voices import (
    VoiceCatalogue,
    VoiceInfo,
    display_name,
    parse_catalogue,
)

ROOT: Final = Path(__file__).resolve().parents[1]
CATALOGUE: Final = ROOT / "custom_components" / "volcengine_tts" / "voices.json"
OUTPUT: Final = ROOT / "docs" / "voices.md"
COMMAND: Final = ".venv/bin/python -m scripts.gen_voices_doc"

RECOMMENDED: Final = (
    (
        "zh_female_cancan_mars_bigtts",
        "The default. 1.0, Chinese and English, natural for announcements.",
    ),
    ("zh_female_vv_uranus_bigtts", "2.0: very expressive, steerable with `context_texts`."),
    ("zh_female_xiaohe_uranus_bigtts", "2.0 female Chinese voice for everyday use."),
    ("zh_male_m191_uranus_bigtts", "2.0 male Chinese voice for everyday use."),
    ("zh_female_gaolengyujie_emo_v2_mars_bigtts", "1.0 with 9 emotions."),
    (
        "en_female_candice_emo_v2_mars_bigtts",
        "US English with emotions (`chat`, `warm`, `happy` …).",
    ),
    ("en_male_tim_uranus_bigtts", "US English, 2.0."),
    ("zh_female_wanwanxiaohe_moon_bigtts", "Taiwanese Mandarin (台湾口音)."),
    ("zh_female_yueyunv_mars_bigtts", "Cantonese (粤语)."),
    ("BV001_streaming", "Classic voice that Volcengine's list marks as free. Use protocol v1."),
    ("BV002_streaming", "Classic voice that Volcengine's list marks as free. Use protocol v1."),
)
"""Voices to try first, with why; names and the rest come from the catalogue."""

GENERATIONS: Final = (
    ("2.0", "豆包语音合成模型 2.0", "`seed-tts-2.0`, protocol v3 only"),
    ("1.0", "豆包语音合成模型 1.0 (incl. 多情感)", "`seed-tts-1.0` (v1: cluster `volcano_tts`)"),
    ("classic", "Classic voices (经典)", "v1 with cluster `volcano_tts`"),
)
"""Each generation's heading and what it needs, in the catalogue's order."""

INTRO: Final = """\
Every voice in the catalogue is listed in the entity's voice picker (by name,
in the UI language) and in the options. Your account can use only the voices
you have enabled (开通) in the Volcengine console: a voice that is listed but
not enabled fails with *access denied* (see [Troubleshooting](troubleshooting.md)).
Newer voices and your clones (`S_…`) work when you type their id, or add it
under *Custom voice ids* in the [options](configuration.md#options-defaults-for-every-announcement).

The generation tells you which resource (v3) or API you need, and must match
the resource id if you fixed one instead of *Automatic*. *Emotions* are the
values the `emotion` option accepts for that voice.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|") or "—"


def _row(number: int, voice: VoiceInfo) -> str:
    notes = voice.notes
    if not voice.bidirection:
        notes = f"**Not on the v3 bidirectional API** (Volcengine). {notes}".strip()
    cells = (
        str(number),
        f"`{voice.voice_id}`",
        voice.name_zh,
        voice.name_en,
        ", ".join(voice.languages),
        ", ".join(f"`{emotion}`" for emotion in voice.emotions),
        notes,
    )
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _recommended(catalogue: VoiceCatalogue) -> list[str]:
    lines = ["| Voice id | Name | Why |", "|---|---|---|"]
    for voice_id, why in RECOMMENDED:
        voice = catalogue.by_id[voice_id]
        names = " / ".join(dict.fromkeys((display_name(voice, "zh-CN"), display_name(voice, "en"))))
        lines.append(f"| `{voice_id}` | {_cell(names)} | {why} |")
    return lines


def render(catalogue: VoiceCatalogue) -> str:
    """Return the whole page for ``catalogue``."""
    lines = [
        f"<!-- Generated from custom_components/volcengine_tts/voices.json by"
        f" scripts/gen_voices_doc.py. Do not edit: change the catalogue and run `{COMMAND}`. -->",
        "",
        "# Voices (音色)",
        "",
        f"The catalogue lists {len(catalogue.voices)} voices.",
        INTRO,
        "## Recommended to start with",
        "",
        *_recommended(catalogue),
        "",
        "## Generations",
        "",
        "| Generation | Voices | Needs |",
        "|---|---:|---|",
    ]
    for generation, title, needs in GENERATIONS:
        count = sum(voice.generation == generation for voice in catalogue.voices)
        lines.append(f"| [{title}](#{_anchor(generation)}) | {count} | {needs} |")
    for generation, title, needs in GENERATIONS:
        lines += ["", f"## {_heading(generation)}", "", f"{title}: {needs}.", ""]
        lines += [
            "| # | Voice id | 中文名 | English name | Languages | Emotions | Notes |",
            "|---:|---|---|---|---|---|---|",
        ]
        voices = [voice for voice in catalogue.voices if voice.generation == generation]
        lines += [_row(number, voice) for number, voice in enumerate(voices, start=1)]
    return "\n".join(lines) + "\n"


def _heading(generation: str) -> str:
    return "Classic voices" if generation == "classic" else f"{generation} voices"


def _anchor(generation: str) -> str:
    return _heading(generation).lower().replace(".", "").replace(" ", "-")


def main(argv: Sequence[str] | None = None) -> int:
    """Write the page, or with ``--check`` compare it and return 1 when it differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the page is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the page to write or check")
    arguments = parser.parse_args(argv)
    page = render(parse_catalogue(CATALOGUE.read_text(encoding="utf-8")))
    output: Path = arguments.output
    if not arguments.check:
        output.write_text(page, encoding="utf-8")
        return 0
    current = output.read_text(encoding="utf-8") if output.exists() else ""
    if current == page:
        return 0
    sys.stdout.writelines(
        difflib.unified_diff(
            current.splitlines(keepends=True), page.splitlines(keepends=True), str(output), "new"
        )
    )
    print(f"{output} is stale: run {COMMAND}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
