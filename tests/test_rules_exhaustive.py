"""The node union is closed: a backend that misses a node type fails ``mypy --strict``.

This runs mypy on two small backends, one complete and one without ``Call``: if
``Node`` became an open base class again, the incomplete one would pass and this fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pml_trials.rules.nodes import NODE_TYPES

mypy_api = pytest.importorskip("mypy.api")

BACKEND = """
from typing import assert_never
from pml_trials.rules.nodes import {names}, Node

def emit(node: Node) -> str:
    match node:
        case {cases}:
            return ""
        case _:
            assert_never(node)
"""


def backend(types: list[str]) -> str:
    return BACKEND.format(names=", ".join(types), cases=" | ".join(f"{t}()" for t in types))


@pytest.mark.slow
def test_a_backend_missing_a_node_type_fails_the_type_check(tmp_path: Path) -> None:
    every = [t.__name__ for t in NODE_TYPES]
    complete, missing = tmp_path / "complete.py", tmp_path / "missing.py"
    complete.write_text(backend(every), encoding="utf-8")
    missing.write_text(backend([t for t in every if t != "Call"]), encoding="utf-8")
    cache = ["--cache-dir", str(tmp_path / ".mypy_cache"), "--strict", "--no-incremental"]
    out, _, status = mypy_api.run([*cache, str(complete)])
    assert status == 0, out
    out, _, status = mypy_api.run([*cache, str(missing)])
    assert status == 1
    assert 'incompatible type "Call"; expected "Never"' in out
