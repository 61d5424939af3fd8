"""The layout shows the architecture: small modules, imports one way (no cycles), tooling outside components/,
and components/ never importing tooling or tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("components", "plan", "rotation", "policy", "provider")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def _imports(path: Path, known: set[str]) -> set[str]:
    """Modules of ours this one imports when it loads (imports under `if TYPE_CHECKING:` and inside functions, which
    load on first use, do not count)."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if (isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test))
        or isinstance(block, ast.FunctionDef | ast.AsyncFunctionDef)
        for statement in (block.body if isinstance(block, ast.If) else [block])
        for node in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


MODULES = _modules()
GRAPH = {name: _imports(path, set(MODULES)) - {name} for name, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module: str) -> None:
    assert len(MODULES[module].read_text().splitlines()) <= MAX_LINES


def test_no_import_cycles() -> None:
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                raise AssertionError(" -> ".join([*trail, module, target]))
            if target not in state:
                visit(target, [*trail, module])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


def test_components_import_no_tooling() -> None:
    """Components are what users deploy: the offline engine, the plan command and tests are not part of them."""
    wrong = {
        m: sorted(t for t in GRAPH[m] if not t.startswith("components")) for m in GRAPH if m.startswith("components")
    }
    assert {m: t for m, t in wrong.items() if t} == {}
