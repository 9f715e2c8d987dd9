"""The house rules of the layout (ARCHITECTURE.md): public surface, room sizes, floors.

- (``rankings.__all__``, the public API users script against, is pinned in test_core.py);
- no module is over about 500 lines;
- every package says in its ``__init__`` docstring what lives there;
- imports go down the floors, never up (a module-level or function-level import of a
  higher floor fails this test; ``if TYPE_CHECKING:`` imports are annotations only);
- no library function defaults to a contributor's name: the focus default belongs to
  the command line and its default dataset.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rankings
from rankings.data import NAMED_CONTRIBUTORS, registry_units

PACKAGE = Path(rankings.__file__).resolve().parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "_fixtures" not in p.parts and "_methodologies" not in p.parts)
MAX_LINES = 500

# Floors, lowest first. A module may import its own floor and the floors below it.
FLOORS: list[tuple[str, ...]] = [
    ("errors", "_paths", "_version", "_frames", "_atomic", "_plugin_io", "sampling", "ranking"),
    ("normalize", "aggregate", "table", "table_io", "weighting", "imputation", "pillars"),
    ("methodology", "caveats", "result", "parameters", "declarative", "registry", "_builtin"),
    ("data", "explain", "invariants", "manifest", "testing"),
    ("sensitivity", "gap"),
    ("report", "explore"),
    ("cli",),
    ("__init__",),
]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _floor(module: str) -> int:
    """The floor of ``rankings.x.y`` (its top-level room ``x``; the package top is the roof)."""
    parts = module.split(".")
    room = parts[1] if len(parts) > 1 else "__init__"
    for level, rooms in enumerate(FLOORS):
        if room in rooms:
            return level
    raise AssertionError(f"module {module} is on no floor of FLOORS: add its room to the test and ARCHITECTURE.md")


def _imports(tree: ast.Module, module: str) -> list[tuple[int, str]]:
    """(line, imported rankings module) for every import outside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "rankings"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "rankings":
                found += [(node.lineno, f"rankings.{a.name}") for a in node.names]
            elif node.module.startswith("rankings."):
                found.append((node.lineno, node.module))
    return found


def test_no_module_is_over_about_500_lines():
    sizes = {str(p.relative_to(PACKAGE.parent)): len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES}
    too_long = {k: v for k, v in sizes.items() if v > MAX_LINES}
    assert not too_long, too_long


def test_every_package_says_what_lives_there():
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"{init.relative_to(PACKAGE.parent)} needs a docstring saying what lives there"


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_imports_go_down_the_floors(path: Path):
    module = _module_name(path)
    own = _floor(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    upward = [(line, imported) for line, imported in _imports(tree, module) if _floor(imported) > own]
    assert not upward, f"{module} (floor {own}) imports a higher floor: {upward}"


def test_no_library_function_defaults_to_a_contributor():
    names = set(NAMED_CONTRIBUTORS) | set(registry_units())
    offenders = []
    for path in MODULES:
        module = _module_name(path)
        if module.startswith("rankings.cli"):
            continue  # the command line owns the default focus of its default dataset
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defaults = [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]
                for d in defaults:
                    if isinstance(d, ast.Constant) and isinstance(d.value, str) and d.value in names:
                        offenders.append(f"{module}.{node.name} defaults to {d.value!r}")
    assert not offenders, offenders


def test_the_floor_check_sees_an_upward_import():
    """The check itself can fail: a function-level import of the CLI from the data floor is caught."""
    tree = ast.parse("def f():\n    from rankings.cli.common import CliError\n")
    found = _imports(tree, "rankings.data.metrics")
    assert found == [(2, "rankings.cli.common")]
    assert _floor("rankings.cli.common") > _floor("rankings.data.metrics")
    typed = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rankings.cli import main\n")
    assert _imports(typed, "rankings.data") == []
