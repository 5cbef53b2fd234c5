"""Languages the integration speaks, and how Home Assistant's tags map onto them.

Home Assistant hands a TTS entity whatever its frontend, a pipeline or a
service call says: ``zh-Hans`` (the UI language), ``zh_CN`` (a locale),
``zh-Hant-TW`` (a full BCP-47 tag) or a bare ``en``. The voice catalogue is
keyed by a small set of regional tags instead, so every lookup first passes
through :func:`normalize_language`.

Matching itself is Home Assistant's (:func:`homeassistant.util.language.matches`),
so the integration picks the same language the rest of Home Assistant would.
Only two things are added on top, each because HA's parser cannot see them:
three-part tags (``zh-Hant-TW``) are shortened to language-region, and a few
language codes that name Chinese or Indonesian differently (``cmn``, ``yue``,
``in``) are mapped to the codes Home Assistant knows.
"""

from __future__ import annotations

import re
from typing import Final

from homeassistant.const import MATCH_ALL
from homeassistant.util.language import matches

SUPPORTED_LANGUAGES: Final[list[str]] = [
    "zh-CN",
    "zh-TW",
    "zh-HK",
    "en-US",
    "en-GB",
    "en-AU",
    "ja-JP",
    "es-MX",
    "id-ID",
    "pt-BR",
]
"""Every language some catalogue voice speaks natively, as language-region.

``zh-TW`` means Mandarin with a Taiwanese accent and ``zh-HK`` means Cantonese:
for speech the region is the spoken language, not the script.
"""

_SUBTAG_SEPARATOR: Final = re.compile(r"[-_]")

_LANGUAGE_ALIASES: Final[dict[str, tuple[str, str | None]]] = {
    "cmn": ("zh", None),  # ISO 639-3 Mandarin, sent by some speech engines
    "yue": ("zh", "HK"),  # Cantonese is spoken by the zh-HK voices, wherever it is asked for
    "in": ("id", None),  # Indonesian's withdrawn code, still produced by old Java locales
}
"""Language codes Home Assistant's matcher does not know, with the code and region it does."""

_TRADITIONAL_CHINESE_COUNTRY: Final = "TW"
"""Where ``zh-Hant`` is assumed to be spoken when no country is known.

Home Assistant prefers Hong Kong for Traditional Chinese, which is right for
reading text but wrong for speech: zh-HK voices speak Cantonese, while most
people who choose the ``zh-Hant`` UI (Taiwan first of all) expect Mandarin.
"""


def _canonical_tag(language: str) -> tuple[str, str | None]:
    """Reduce any tag to the ``language[-REGION]`` or ``language-Script`` form HA parses.

    Returns the tag and the script it carried (``Hans``/``Hant``), which only
    matters for Chinese without a region. ``Dialect.parse`` splits at the first
    separator only, so ``zh-Hant-TW`` would become region ``HANT-TW``; a
    script is therefore kept only when no region follows it.
    """
    subtags = [part for part in _SUBTAG_SEPARATOR.split(language.strip()) if part]
    if not subtags:
        return "", None
    primary = subtags[0].casefold()
    primary, region = _LANGUAGE_ALIASES.get(primary, (primary, None))
    script: str | None = None
    for subtag in subtags[1:]:
        if len(subtag) == 4 and subtag.isalpha():  # noqa: PLR2004 - BCP-47 script subtag
            script = script or subtag.title()
        elif (len(subtag) == 2 and subtag.isalpha()) or (  # noqa: PLR2004 - region subtag
            len(subtag) == 3 and subtag.isdigit()  # noqa: PLR2004 - UN M.49 region, e.g. 419
        ):
            region = region or subtag.upper()
    if region is not None:
        return f"{primary}-{region}", script
    if script is not None:
        return f"{primary}-{script}", script
    return primary, None


def best_supported(language: str, country: str | None = None) -> str | None:
    """Return the supported language Home Assistant's matcher ranks first, or ``None``.

    Used for the entity's default language, which should follow the language
    Home Assistant is configured in (``zh-Hans`` → ``zh-CN``, ``en`` → ``en-US``).
    ``country`` is Home Assistant's configured country, the same hint its own
    matcher takes; without one, ``zh-Hant`` is taken to mean Taiwan (see
    ``_TRADITIONAL_CHINESE_COUNTRY``).
    """
    if language == MATCH_ALL:
        return None
    tag, script = _canonical_tag(language)
    if not tag:
        return None
    if tag == f"zh-{script}" and script == "Hant" and country is None:
        country = _TRADITIONAL_CHINESE_COUNTRY
    found = matches(tag, SUPPORTED_LANGUAGES, country=country)
    return found[0] if found else None


def normalize_language(language: str) -> str:
    """Map a tag from Home Assistant onto a supported one; leave unknown languages alone.

    Returning an unsupported tag unchanged (rather than a default) lets callers
    tell "French was asked for" from "Chinese was asked for", so they can
    refuse or list no voices instead of silently speaking another language.
    """
    return best_supported(language) or language


def primary_subtag(language: str) -> str:
    """Return the language without its region: ``zh-TW`` → ``zh``."""
    return _SUBTAG_SEPARATOR.split(language, maxsplit=1)[0].casefold()
