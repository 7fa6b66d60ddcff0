"""The API in app/ stands alone: the commands in tools/ may import it, it never imports them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(module: Path) -> set[str]:
    """The top-level package of every import in a module, wherever in it the import is."""
    packages: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            packages.add(node.module.split(".")[0])
    return packages


def test_the_app_never_imports_the_tools() -> None:
    importing = [
        str(module.relative_to(ROOT))
        for module in sorted((ROOT / "app").rglob("*.py"))
        if "tools" in imported_packages(module)
    ]
    assert importing == [], f"app/ must not import tools/ (the app runs without them): {importing}"
