"""What HACS and hassfest check (manifest, hacs.json, translations, brand), and the targets."""

from __future__ import annotations

import json
import struct
from importlib.metadata import requires, version
from pathlib import Path
from typing import Any

import homeassistant
import pytest
from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as ha_version
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from custom_components.volcengine_tts import errors as ha_errors
from custom_components.volcengine_tts.volcengine.wire import errors as client_errors

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "volcengine_tts"
LANGUAGES = ["en", "zh-Hans", "zh-Hant"]


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        keys |= _keys(value, path) if isinstance(value, dict) else {path}
    return keys


def test_manifest_has_what_hacs_and_hassfest_require() -> None:
    manifest = _load(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "volcengine_tts"
    for key in ("codeowners", "documentation", "issue_tracker", "version", "iot_class"):
        assert manifest[key]
    assert manifest["documentation"].startswith("https://")
    assert manifest["config_flow"] is True
    assert manifest["requirements"] == [
        "av>=13.1.0",
        "markdown-it-py>=3.0.0",
        "regex>=2024.11.6",
        "sentence-stream>=1.2.0",
        "websockets>=15.0.1",
    ]


def test_hacs_json_uses_only_allowed_keys() -> None:
    allowed = {
        "content_in_root",
        "country",
        "filename",
        "hacs",
        "hide_default_branch",
        "homeassistant",
        "persistent_directory",
        "render_readme",
        "zip_release",
    }
    hacs = _load(ROOT / "hacs.json")
    assert hacs["name"]
    assert set(hacs) - {"name"} <= allowed


def test_brand_icon_is_a_square_png() -> None:
    data = (INTEGRATION / "brand" / "icon.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == height == 256


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_language_has_every_key(language: str) -> None:
    english = _keys(_load(INTEGRATION / "translations" / "en.json"))
    other = _keys(_load(INTEGRATION / "translations" / f"{language}.json"))
    assert other == english


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_error_the_code_raises_is_translated(language: str) -> None:
    translations = _load(INTEGRATION / "translations" / f"{language}.json")
    exception_keys = {key for _, key in ha_errors._TRANSLATION_KEYS} | {"service_error"}
    assert exception_keys <= set(translations["exceptions"])
    for key in exception_keys:
        assert "{details}" in translations["exceptions"][key]["message"]
    flow_keys = set(ha_errors._FLOW_ERRORS.values()) | {"unknown"}
    assert flow_keys <= set(translations["config"]["error"])
    assert flow_keys <= set(translations["options"]["error"])  # the options check the voice


def test_every_client_error_class_has_a_translation() -> None:
    classes = [
        value
        for value in vars(client_errors).values()
        if isinstance(value, type)
        and issubclass(value, client_errors.VolcengineError)
        and value is not client_errors.VolcengineError
    ]
    for error_class in classes:
        key = ha_errors.translation_key(error_class("x"))
        assert key != "service_error" or error_class is client_errors.ServerError, error_class


QUALITY_SCALE_RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow-test-coverage",
        "config-flow",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery-update-info",
        "discovery",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}


def test_quality_scale_lists_every_rule_done_or_exempt_with_a_reason() -> None:
    import yaml

    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    expected = {rule for tier in QUALITY_SCALE_RULES.values() for rule in tier}
    assert set(rules) == expected, set(rules) ^ expected
    for rule, value in rules.items():
        if value == "done":
            continue
        assert value["status"] in ("done", "exempt", "todo"), rule
        assert len(value["comment"]) > 30, rule


def test_icons_cover_the_entity() -> None:
    icons = _load(INTEGRATION / "icons.json")
    assert icons["entity"]["tts"]["speech"]["default"].startswith("mdi:")


def test_licence_is_apache_2_as_declared() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence
    assert "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence  # the whole text, not a stub
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "Apache License 2.0" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_manifest_version_has_a_changelog_entry() -> None:
    version = _load(INTEGRATION / "manifest.json")["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = [line[3:].strip() for line in changelog.splitlines() if line.startswith("## ")]
    assert headings[0] == version  # the newest entry is the release HACS installs


def test_hacs_minimum_is_a_release_the_suite_proves() -> None:
    """hacs.json's minimum is the minimum target (and no newer than what runs now)."""
    minimum = _load(ROOT / "hacs.json")["homeassistant"]
    requirements = (ROOT / "requirements_ha_minimum.txt").read_text(encoding="utf-8")
    assert f"Home Assistant we support and prove: {minimum} " in requirements
    assert AwesomeVersion(ha_version) >= AwesomeVersion(minimum)
    assert f"Home Assistant {minimum}" in (ROOT / "README.md").read_text(encoding="utf-8")


TARGETS = ("minimum", "newest", "latest")
PLUGIN = "pytest-homeassistant-custom-component"


def _pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file, by canonical name."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if "==" in requirement:
            name, version = requirement.split("==", 1)
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_github_workflows_run_the_ecosystem_checks_and_every_target() -> None:
    validate = (ROOT / ".github/workflows/validate.yml").read_text(encoding="utf-8")
    assert "home-assistant/actions/hassfest@" in validate
    assert "hacs/action@" in validate
    assert "category: integration" in validate
    tests = (ROOT / ".github/workflows/tests.yml").read_text(encoding="utf-8")
    assert "scripts/test --ha ${{ matrix.target }}" in tests
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "timed bash scripts/test\n" in ci  # the minimum, the default target
    for target in TARGETS:
        assert f"target: {target}" in tests
        assert target == "minimum" or f"timed bash scripts/test --ha {target}\n" in ci


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_has_requirements_a_venv_and_its_start_up_module(target: str) -> None:
    script = (ROOT / "scripts/target.sh").read_text(encoding="utf-8")
    section = script.split(f"        {target})\n", 1)[1].split(";;", 1)[0]
    venv = section.split('VENV="$ROOT/', 1)[1].split('"', 1)[0]
    assert f"{venv}/" in (ROOT / ".gitignore").read_text(encoding="utf-8")
    requirements = (ROOT / f"requirements_ha_{target}.txt").read_text(encoding="utf-8")
    assert "-r requirements_test.txt" in requirements.splitlines()
    if 'STARTUP_MODULE="' in section:
        module = section.split('STARTUP_MODULE="', 1)[1].split('"', 1)[0]
        assert (ROOT / "scripts" / "startup" / f"{module}.py").is_file()


def test_the_latest_target_pins_the_plugins_requirements_in_place_of_its_own() -> None:
    """The plugin comes without dependencies: every one it names is pinned instead."""
    (plugin_pin,) = _pins(ROOT / "requirements_ha_latest_no_deps.txt").items()
    assert plugin_pin[0] == PLUGIN
    if version(PLUGIN) != plugin_pin[1]:
        pytest.skip(f"needs {PLUGIN} {plugin_pin[1]} installed (newest and latest targets)")
    latest = _pins(ROOT / "requirements_ha_latest.txt")
    assert PLUGIN not in latest
    for line in requires(PLUGIN) or []:
        name = canonicalize_name(Requirement(line).name)
        assert name in latest, name
    plugin_home_assistant = next(
        Requirement(line) for line in requires(PLUGIN) or [] if line.startswith("homeassistant")
    )
    assert latest["homeassistant"] not in plugin_home_assistant.specifier


def test_the_latest_target_pins_its_home_assistants_own_versions() -> None:
    """What the tests need, at the versions 2026.11.0's manifests and constraints name."""
    latest = _pins(ROOT / "requirements_ha_latest.txt")
    if ha_version != latest["homeassistant"]:
        pytest.skip(f"runs on the latest target (Home Assistant {latest['homeassistant']})")
    package = Path(homeassistant.__file__).parent
    constraints = _pins(package / "package_constraints.txt")
    for component in ("tts", "ffmpeg", "conversation", "assist_pipeline"):
        for requirement in _load(package / "components" / component / "manifest.json")[
            "requirements"
        ]:
            name, pinned = requirement.split("==")
            assert latest[canonicalize_name(name)] == pinned, requirement
    for name in ("av", "httpx", "numpy", "pydantic", "requests", "sqlalchemy"):
        assert latest[name] == constraints[name], name
