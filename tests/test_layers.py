"""The layer order holds: every import of the package, parsed with ``ast``, goes to its
own layer, a lower layer its row allows, or the shared base; there is no import cycle
between modules; typer stays in the CLI; and ARCHITECTURE.md shows the same table as
:data:`pml_trials.LAYERS` (the one source)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import pml_trials
from pml_trials import BASE, LAYERS

PACKAGE = Path(pml_trials.__file__).resolve().parent
ROOT = PACKAGE.parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, module imported, at module level?) for each import of the package or of
    a third-party module; ``if TYPE_CHECKING:`` imports are not run and are skipped."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lazy.update(id(n) for n in ast.walk(node))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, id(node) not in lazy
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "pml_trials":  # from pml_trials import x: x may be a module
                for alias in node.names:
                    target = f"pml_trials.{alias.name}"
                    yield node.lineno, target if target in MODULES else "pml_trials", True
            else:
                yield node.lineno, node.module, id(node) not in lazy


def layer_of(module: str) -> str:
    """The layer of a package module: its first sub-package, or ``base``."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in BASE:
        return "base"
    if parts[1] == "__main__":
        return "cli"
    return parts[1]


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        assert layer_of(module) in (*LAYERS, "base"), f"{module} is in no layer"


def test_no_module_imports_a_higher_layer() -> None:
    wrong = []
    for module, path in MODULES.items():
        mine = layer_of(module)
        allowed = {mine, "base", *LAYERS.get(mine, ())}
        for line, target, _ in imports(path):
            if target.split(".")[0] != "pml_trials":
                continue
            if layer_of(target) not in allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {mine} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_base_imports_only_the_base() -> None:
    for module, path in MODULES.items():
        if layer_of(module) == "base":
            for line, target, _ in imports(path):
                if target.startswith("pml_trials."):
                    assert layer_of(target) == "base", f"{module}:{line} imports {target}"


def test_layers_are_ordered() -> None:
    """Each layer may import only layers listed before it: the table is a strict order."""
    order = list(LAYERS)
    for index, (layer, allowed) in enumerate(LAYERS.items()):
        assert set(allowed) <= set(order[:index]), layer


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for _, target, _ in imports(path):
            while target and target not in MODULES:  # from a.b import name -> a.b
                target = target.rpartition(".")[0]
            if target and target != module and not (module.startswith(target + ".")):
                graph[module].add(target)
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_typer_only_in_the_cli() -> None:
    for module, path in MODULES.items():
        if layer_of(module) != "cli":
            for line, target, _ in imports(path):
                assert target.split(".")[0] != "typer", f"{module}:{line} imports typer"


def test_the_table_can_fail() -> None:
    """The checker itself: an upward import is seen."""
    assert layer_of("pml_trials.cli.screen") == "cli"
    assert layer_of("pml_trials.errors") == "base"
    assert "cli" not in LAYERS["engine"]


def test_architecture_md_shows_the_same_layers() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \|[^|]*\| ([^|]*) \|$", text, flags=re.M)
    shown = {name: tuple(re.findall(r"`(\w+)`", allowed)) for name, allowed in rows}
    assert shown == LAYERS
