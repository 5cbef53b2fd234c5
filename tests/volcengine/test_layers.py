"""The protocol client's families import one way: each family uses the wire, none another.

``wire`` (frames, transport, errors, models and the small shared pieces) is
the bottom; ``synthesis``, ``recognition`` and ``cloning`` sit on it side by
side. Nothing in the package imports Home Assistant, or the integration above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "custom_components" / "volcengine_tts" / "volcengine"
FAMILIES = ("wire", "synthesis", "recognition", "cloning")
ALLOWED = {
    "wire": {"wire"},
    "synthesis": {"wire", "synthesis"},
    "recognition": {"wire", "recognition"},
    "cloning": {"wire", "cloning"},
}


def _imports(module: Path) -> list[tuple[int, str]]:
    """(level, module) of every import: level 0 is absolute."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def _family_of(level: int, name: str, family: str) -> str | None:
    """The family a relative import reaches, or ``None`` for an absolute one."""
    if level == 1:
        return family
    if level == 2:
        return name.split(".", maxsplit=1)[0]
    return "outside the package" if level > 2 else None


def test_the_families_are_the_package() -> None:
    loose = sorted(path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py")
    assert loose == []
    assert sorted(
        path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"
    ) == sorted(FAMILIES)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_family_imports_only_itself_and_the_wire(family: str) -> None:
    for module in (PACKAGE / family).glob("*.py"):
        for level, name in _imports(module):
            reached = _family_of(level, name, family)
            if reached is not None:
                assert reached in ALLOWED[family], f"{module.name} imports {'.' * level}{name}"
            else:
                root = name.split(".")[0]
                assert root not in {"homeassistant", "custom_components"}, (
                    f"{family}/{module.name} imports {name}"
                )
