"""A user sets the integration up in Home Assistant's web interface, in a real browser.

Run by ``scripts/browser-test`` only (it sets ``VOLCENGINE_BROWSER_TEST=1`` and installs
what this needs): Debian's ``chromium``, Playwright for Python and Home Assistant's
frontend package. Elsewhere, and in CI, the test is collected and skipped.

A throw-away ``hass`` serves the real frontend; the owner account is created through
the onboarding REST API, the rest happens in the browser: the login page,
Settings → Devices & services → Add integration, the setup form (its collapsed
connection section opened to type the endpoint of the local emulator), the options
form's voice list (also saved as ``docs/images/voice-picker.png`` for the README),
Media → Text-to-speech, whose audio is captured from the page's
network traffic, then a voice preset added from the entry's page and heard the same
way. Screenshots of every step land in ``tests/browser/artifacts/``.

The frontend also needs ``hassil`` and a few other packages that the rest of the suite
does without: Home Assistant's ``get_services``, the page's first request, imports
conversation, camera and assist_pipeline; without them the page stays "Loading data".
"""

from __future__ import annotations

import importlib.util
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pytest

from scripts.ha_process import (
    PASSWORD,
    USERNAME,
    BackgroundEmulator,
    HomeAssistantClient,
    HomeAssistantProcess,
)

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

ENABLE_VARIABLE: Final = "VOLCENGINE_BROWSER_TEST"
CHROMIUM: Final = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS: Final = Path(__file__).resolve().parent / "artifacts"
DOCS_SCREENSHOT: Final = Path(__file__).resolve().parents[2] / "docs/images/voice-picker.png"
"""The voice picker as the README shows it, refreshed by every run."""
CHROMIUM_FLAGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
TIMEOUT_MS: Final = 30_000
"""Longest wait for one step (a page, a dialog, the setup form's test synthesis)."""
MESSAGE: Final = "Hello from the browser test."
PRESET: Final = "Bedroom"
"""The voice preset the user adds: its TTS entity is named after it."""


def _missing() -> str | None:
    """Return why the test cannot run here, or ``None``."""
    if os.environ.get(ENABLE_VARIABLE) != "1":
        return f"browser test: run scripts/browser-test (or set {ENABLE_VARIABLE}=1)"
    if not CHROMIUM.is_file():
        return f"browser test: no chromium at {CHROMIUM} (apt-get install chromium)"
    for module, package in (
        ("playwright", "playwright"),
        ("hass_frontend", "frontend"),
        ("hassil", "hassil"),
    ):
        if importlib.util.find_spec(module) is None:
            return f"browser test: {package} is not installed (scripts/browser-test installs it)"
    return None


pytestmark = [
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
    pytest.mark.timeout(240),
]


async def _shot(page: Page, name: str) -> None:
    """Save a screenshot of the whole page as ``artifacts/<name>.png``."""
    await page.screenshot(path=ARTIFACTS / f"{name}.png")


def _is_mp3(data: bytes) -> bool:
    """ID3 tag, or an MPEG audio frame sync (11 set bits)."""
    return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


async def test_a_user_sets_up_the_integration_and_hears_it() -> None:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=TIMEOUT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    started = time.perf_counter()
    with BackgroundEmulator() as emulator:
        async with HomeAssistantProcess(frontend=True) as home_assistant:
            async with await HomeAssistantClient.onboard(home_assistant.url):
                pass  # the owner account exists: the rest is the browser's
            async with async_playwright() as playwright:
                # Playwright gives every launch a new, empty profile directory.
                browser = await playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
                )
                context = await browser.new_context(
                    locale="en-US", viewport={"width": 1280, "height": 900}
                )
                context.set_default_timeout(TIMEOUT_MS)
                # Offline: brand icons and the like come from the internet.
                await context.route(
                    lambda url: not url.startswith(home_assistant.url),
                    lambda route: route.abort(),
                )
                page = await context.new_page()
                # The page's console, printed with a failure's report.
                page.on("console", lambda m: print("console:", m.type, m.text))
                try:
                    await _log_in(page, home_assistant.url)
                    await _add_integration(page, emulator.url)
                    await _see_voice_names(page)
                    await _speak_from_media_browser(page)
                    await _add_voice_preset(page)
                    await _speak_from_media_browser(page, engine=PRESET, shots=(16, 17, 18))
                except BaseException:
                    await _shot(page, "99-failure")
                    raise
                finally:
                    await context.close()
                    await browser.close()
    print(f"browser test took {time.perf_counter() - started:.1f} s")


def _sidebar(page: Page, name: str) -> Locator:
    """The sidebar's entry ``name`` (list items without an accessible name)."""
    return page.locator("ha-sidebar").get_by_text(name, exact=True)


async def _log_in(page: Page, url: str) -> None:
    """Open Home Assistant: it sends the browser to its login page."""
    from playwright.async_api import expect

    await page.goto(url)
    await expect(page).to_have_url(re.compile(r"/auth/authorize"))
    await page.get_by_role("textbox", name="Username").fill(USERNAME)
    await page.get_by_role("textbox", name="Password").fill(PASSWORD)
    await _shot(page, "01-login")
    await page.get_by_role("button", name="Log in").click()
    await expect(page).not_to_have_url(re.compile(r"/auth/"))
    await expect(_sidebar(page, "Settings")).to_be_visible()
    await _shot(page, "02-logged-in")


def _field(page: Page, label: str) -> Locator:
    """A form's text field by its label (newer frontends mark required ones with a ``*``)."""
    return page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}\*?$"))


async def _add_integration(page: Page, endpoint: str) -> None:
    """Settings → Devices & services → Add integration → Volcengine, fill in the form."""
    from playwright.async_api import expect

    await _sidebar(page, "Settings").click()
    await page.get_by_text("Devices & services").first.click()
    await expect(page).to_have_url(re.compile(r"/config/integrations"))
    await page.get_by_role("button", name="Add integration").click()
    brands = page.locator("dialog-add-integration")
    await brands.get_by_role("textbox").fill("Volcengine")
    await _shot(page, "03-add-integration-search")
    await brands.get_by_text("Volcengine TTS").click()
    await expect(page.get_by_text("Connect to Volcengine text-to-speech").first).to_be_visible()
    await _field(page, "App ID").fill("emulator-app")
    await _field(page, "Access token").fill("emulator-token")
    # Protocol, resource and endpoint wait in a collapsed section: open it.
    endpoint_field = _field(page, "Service endpoint")
    await expect(endpoint_field).to_be_hidden()
    await page.get_by_text("Protocol, resource and endpoint").first.click()
    await endpoint_field.fill(endpoint)
    await _shot(page, "04-config-flow-form")
    await page.get_by_role("button", name="Submit").click()
    # Success: Home Assistant offers to name the new device and pick its area
    # ("Device created" up to 2026.9, "Name and assign" since).
    created = page.get_by_text(re.compile(r"Device created|Name and assign"))
    await expect(created.first).to_be_visible()
    await _shot(page, "05-config-flow-created")
    await page.get_by_role("button", name=re.compile("finish", re.IGNORECASE)).click()
    await expect(page.get_by_text("Volcengine TTS", exact=True).first).to_be_visible()
    await _shot(page, "06-integration-listed")


async def _see_voice_names(page: Page) -> None:
    """Open the entry's options: the voice list shows names, not only voice ids."""
    from playwright.async_api import expect

    await page.get_by_text("Volcengine TTS", exact=True).first.click()
    await expect(page).to_have_url(re.compile(r"/config/integrations/integration/volcengine_tts"))
    await _shot(page, "07-integration-page")
    await page.get_by_role("button", name="Configure").first.click()
    await expect(page.get_by_text("Volcengine TTS defaults").first).to_be_visible()
    await _shot(page, "08-options-form")
    await page.get_by_label("Default voice").first.click()
    # zh_female_cancan_mars_bigtts, the default voice, is 灿灿 ("Shiny" in English).
    await expect(page.get_by_text("Shiny", exact=True).first).to_be_visible()
    await _shot(page, "09-options-voice-names")
    await page.screenshot(path=DOCS_SCREENSHOT)
    # The list's search finds voices by name: 灿灿 is "Cancan" in the other voices.
    search = "Search | Add custom item"  # its label, or since 2026.10 its placeholder
    await page.get_by_label(search).or_(page.get_by_placeholder(search)).first.fill("Cancan")
    await expect(page.get_by_text(re.compile("Cancan")).first).to_be_visible()
    await _shot(page, "10-options-voice-search")
    await page.keyboard.press("Escape")  # the list
    await page.get_by_role("button", name=re.compile("^(Close|Dismiss)")).first.click()
    await expect(page.get_by_text("Volcengine TTS defaults")).to_have_count(0)


async def _add_voice_preset(page: Page) -> None:
    """The entry's "Add voice preset": name it, keep the suggested voice, submit."""
    from playwright.async_api import expect

    await _sidebar(page, "Settings").click()
    await page.get_by_text("Devices & services").first.click()
    await page.get_by_text("Volcengine TTS", exact=True).first.click()
    await expect(page).to_have_url(re.compile(r"/config/integrations/integration/volcengine_tts"))
    add = page.get_by_role("button", name="Add voice preset")
    if not await add.count():  # newer frontends keep it in the entry's menu
        await page.get_by_role(
            "button", name=re.compile("^Menu$|more", re.IGNORECASE)
        ).first.click()
        add = page.get_by_role("menuitem", name="Add voice preset")
    await add.first.click()
    await expect(page.get_by_text("Add a voice preset").first).to_be_visible()
    await _field(page, "Name").fill(PRESET)
    await _shot(page, "14-voice-preset-form")
    await page.get_by_role("button", name="Submit").click()
    await expect(page.get_by_text(f"Created configuration for {PRESET}").first).to_be_visible()
    await _shot(page, "15-voice-preset-added")
    await page.get_by_role("button", name=re.compile("finish", re.IGNORECASE)).click()
    # The preset is listed under the entry, with its own device and entity.
    await expect(page.get_by_text(PRESET, exact=True).first).to_be_visible()
    await expect(page.get_by_text("Voice preset", exact=True).first).to_be_visible()


async def _speak_from_media_browser(
    page: Page, *, engine: str = "Text-to-speech", shots: tuple[int, int, int] = (11, 12, 13)
) -> None:
    """Media → Text-to-speech → an engine → say a message; check the audio."""
    from playwright.async_api import expect

    engines, form, playing = (f"{number:02d}" for number in shots)
    await _sidebar(page, "Media").click()
    await page.get_by_text("Text-to-speech", exact=True).filter(visible=True).first.click()
    await _shot(page, f"{engines}-media-tts-engines")
    # The entry's entity is named "Text-to-speech" after its device class; a
    # preset's entity is named after the preset.
    await expect(page).to_have_url(re.compile(r"/media-browser/.*tts"))
    await page.get_by_text(engine, exact=True).filter(visible=True).last.click()
    await _shot(page, f"{form}-media-tts-form")
    await page.get_by_role("textbox").last.fill(MESSAGE)
    async with page.expect_response(lambda r: "/api/tts_proxy/" in r.url) as audio_response:
        await page.get_by_role("button", name=re.compile("Say|Play", re.IGNORECASE)).last.click()
    response = await audio_response.value
    await _shot(page, f"{playing}-media-tts-playing")
    assert response.ok, f"{response.url}: HTTP {response.status}"
    data = await response.body()
    assert _is_mp3(data), f"not MP3: {data[:16]!r}"
    await expect(page.get_by_text(MESSAGE).first).to_be_visible()
