"""The emulator stands beside the integration: sharing its codec would hide misreadings."""

import ast
from pathlib import Path

import emulator


def test_emulator_never_imports_the_integration() -> None:
    package = Path(emulator.__file__).parent
    imported: set[str] = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module)
    assert not {
        name for name in imported if name.split(".")[0] in {"custom_components", "homeassistant"}
    }
