"""Escape attempts: each is refused when the file is loaded, and nothing runs.

Every attempt below would, if any part of it were executed, create a sentinel file or
set a sentinel attribute on a module. Each is tried as a rule and as a definition of a
criteria file loaded from disk, and the sentinels are checked afterwards. Then the
generated code itself is inspected: only a small set of syntax nodes and names, and no
builtins.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given

import pml_trials
from pml_trials.errors import CriteriaFileError, RuleError
from pml_trials.profile.fields import BY_KEY
from pml_trials.rules.codegen import study_tree
from pml_trials.rules.functions import FUNCTIONS
from pml_trials.rules.parse import parse_boolean_rule
from pml_trials.studies.load import load_file
from pml_trials.studies.model import Study, compile_line
from tests import rules_driver as driver
from tests import strategies

SENTINEL = "SENTINEL"  # replaced by a path under tmp_path in each test
ATTRIBUTE = "PWNED_BY_A_RULE"

ATTEMPTS: dict[str, str] = {
    "open": "open('SENTINEL', 'w').write('x') == 1",
    "import-os": "__import__('os').system('touch SENTINEL') == 0",
    "import-pathlib": "__import__('pathlib').Path('SENTINEL').write_text('x') > 0",
    "bare-dunder": "__import__ and pml_iris",
    "eval": "eval(\"open('SENTINEL', 'w')\")",
    "exec": "exec(\"open('SENTINEL', 'w')\")",
    "compile": "compile('1', 'SENTINEL', 'eval')",
    "getattr": "getattr(__import__('os'), 'system')('touch SENTINEL') == 0",
    "setattr": "setattr(__import__('pml_trials'), 'PWNED_BY_A_RULE', 1)",
    "globals": "globals()['__builtins__']['open']('SENTINEL', 'w')",
    "vars": "vars()",
    "builtins-name": "__builtins__",
    "attribute": "pml_iris.__class__ == 1",
    "attribute-on-call": "date('2026-01-01').__class__.__init__.__globals__['sys'] == 1",
    "function-globals": "days_since.__globals__ == 1",
    "subclasses": "().__class__.__bases__[0].__subclasses__()",
    "subscript": "predisposing_conditions[0] == 'hiv'",
    "lambda": "(lambda: open('SENTINEL', 'w'))()",
    "list-comprehension": "[open('SENTINEL', 'w') for x in [1]] == [1]",
    "set-comprehension": "{open('SENTINEL', 'w') for x in [1]}",
    "dict-comprehension": "{x: open('SENTINEL', 'w') for x in [1]}",
    "generator": "any(open('SENTINEL', 'w') for x in [1])",
    "bare-generator": "(open('SENTINEL', 'w') for x in [1])",
    "f-string": "f\"{open('SENTINEL', 'w')}\" == ''",
    "walrus": "(x := open('SENTINEL', 'w')) == 1",
    "starred": "[*open('SENTINEL', 'w')] == []",
    "percent-format": "'%s' % open('SENTINEL', 'w') == ''",
    "str-format": "'{}'.format(open('SENTINEL', 'w')) == ''",
    "power": "2 ** 100000000 > 1",
    "floor-division": "7 // 2 == 3",
    "modulo": "7 % 2 == 1",
    "matmul": "age_years @ age_years == 1",
    "bitwise-and": "age_years & 1 == 1",
    "bitwise-or": "age_years | 1 == 1",
    "bitwise-xor": "age_years ^ 1 == 1",
    "shift": "1 << 100000000 > 1",
    "invert": "~age_years == 1",
    "is": "pml_iris is None",
    "is-not": "pml_iris is not True",
    "none": "pml_iris == None",
    "ternary": "open('SENTINEL', 'w') if pml_iris else pml_iris",
    "await": "await pml_iris",
    "yield": "(yield pml_iris)",
    "keyword-call": "days_since(d=open('SENTINEL', 'w')) > 1",
    "extra-argument": "days_since(pml_diagnosis_date, open('SENTINEL', 'w')) > 1",
    "date-of-expression": "date(open('SENTINEL').read()) > pml_diagnosis_date",
    "dict": "{'a': open('SENTINEL', 'w')} == {}",
    "tuple": "(open('SENTINEL', 'w'), 1) == (1, 1)",
    "slice": "predisposing_conditions[0:1] == []",
    "statement": "import os",
    "assignment": "pml_iris = True",
    "semicolon": "pml_iris; open('SENTINEL', 'w')",
    "newline-statement": "pml_iris\nopen('SENTINEL', 'w')",
    "comment-trick": "pml_iris # \nopen('SENTINEL', 'w')",
    "long-rule": "pml_iris and " * 400 + "pml_iris",
    "deep-not": "not " * 1000 + "pml_iris",
    "deep-minus": "-" * 3000 + "age_years > 1",
    "deep-parentheses": "(" * 1900 + "pml_iris" + ")" * 1900,
    "deep-list": "[" * 1000 + "]" * 1000,
    "huge-literal": "age_years < 1" + "0" * 3000,
    "too-many-digits": "age_years < 1" + "0" * 4500,
    "huge-float": "weight_kg < 1e999",
    "huge-product": " * ".join(["age_years"] + ["999999999999999"] * 21) + " + 0.5 > 1",
    "growing-product": " * ".join(["days_since(pml_diagnosis_date)"] * 50) + " / 2 > 1",
    "null-byte": "pml_iris and\x00 pml_iris",
    "non-ascii-name": "ｐｍｌ_iris",
    "fullwidth-dunder": "＿＿import＿＿('os')",
    "homoglyph": "pml_irіs",  # Cyrillic і
    "bytes": "b'x' == b'x'",
    "ellipsis": "... == 1",
    "get": "get('pml_iris')",
    "today": "today == today",
    "generated-names": "f0 and c0 and d0 and k0 and t1 and v_eligible",
}


def _load_rule(tmp_path: Path, rule: str, *, as_definition: bool) -> Path:
    """A criteria file that uses ``rule`` (as a definition, or directly), written to disk."""
    definitions = f"probe = {_toml(rule)}\n" if as_definition else ""
    used = "probe" if as_definition else rule
    text = textwrap.dedent(
        """\
        format = 1
        id = "probe"
        title = "Probe"
        category = "other"
        last_reviewed = 2026-01-01
        summary = "s"

        [[source]]
        key = "src"
        citation = "c"

        [definitions]
        {definitions}
        [[inclusion]]
        id = "probe"
        text = "t"
        source = "src"
        rule = {rule}
        """
    ).format(definitions=definitions, rule=_toml(used))
    path = tmp_path / "probe.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _toml(text: str) -> str:
    """A TOML basic string holding exactly ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\x00", "\\u0000") + '"'


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    return tmp_path / "sentinel"


@pytest.mark.parametrize("name", list(ATTEMPTS))
def test_refused_by_the_parser_and_nothing_runs(name: str, sentinel: Path) -> None:
    rule = ATTEMPTS[name].replace(SENTINEL, str(sentinel))
    with pytest.raises(RuleError) as caught:
        parse_boolean_rule(rule)
    assert 0 <= caught.value.offset <= len(rule)
    assert not sentinel.exists()
    assert not hasattr(pml_trials, ATTRIBUTE)


@pytest.mark.parametrize("as_definition", [False, True], ids=["rule", "definition"])
@pytest.mark.parametrize("name", list(ATTEMPTS))
def test_refused_at_load_and_nothing_runs(
    name: str, as_definition: bool, tmp_path: Path, sentinel: Path
) -> None:
    rule = ATTEMPTS[name].replace(SENTINEL, str(sentinel))
    path = _load_rule(tmp_path, rule, as_definition=as_definition)
    with pytest.raises(CriteriaFileError) as caught:
        load_file(path)
    where = "definition 'probe'" if as_definition else "inclusion 'probe'"
    assert any(e.context == where for e in caught.value.errors), caught.value
    assert not sentinel.exists()
    assert not hasattr(pml_trials, ATTRIBUTE)


def test_the_sentinels_would_notice_execution(sentinel: Path) -> None:
    """The checks above can fail: running one attempt as Python trips its sentinel."""
    code = ATTEMPTS["import-pathlib"].replace(SENTINEL, str(sentinel))
    eval(code)  # the test's own string, never a rule: proves the sentinel works
    assert sentinel.exists()


# -- the generated code --------------------------------------------------------------------

ALLOWED_NODES = {
    ast.FunctionDef, ast.arguments, ast.arg, ast.Assign, ast.Return, ast.If, ast.IfExp,
    ast.NamedExpr, ast.Name, ast.Load, ast.Store, ast.Constant, ast.Tuple, ast.BoolOp,
    ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.BinOp, ast.Add, ast.Sub, ast.Mult,
    ast.Div, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In,
    ast.NotIn, ast.Is, ast.Call,
}  # fmt: skip
GENERATED_NAME = re.compile(r"^(get|today|study|v_ineligible|v_needs|v_eligible|[fdctk]\d+)$")


def assert_generated_code_is_confined(tree: ast.FunctionDef, constants: dict[str, object]) -> None:
    """Only the allowed node types; only generated names; the only calls are ``get('<a
    declared field>')`` and ``kN(today, ...)`` where ``kN`` is a rule function's table
    implementation; no attribute access."""
    implementations = [f.implementation for f in FUNCTIONS.values()]
    assert tree.name == "study"
    assert [a.arg for a in tree.args.args] == ["get", "today"]
    for node in ast.walk(tree):
        assert type(node) in ALLOWED_NODES, ast.dump(node)
        if isinstance(node, ast.Name):
            assert GENERATED_NAME.match(node.id), node.id
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name) and not node.keywords
            if node.func.id != "get":
                assert constants[node.func.id] in implementations, node.func.id
                first = node.args[0]
                assert isinstance(first, ast.Name) and first.id == "today"
                continue
            assert len(node.args) == 1
            (key,) = node.args
            assert isinstance(key, ast.Constant) and key.value in BY_KEY
        if isinstance(node, ast.Constant):
            assert node.value is None or isinstance(node.value, bool | int | float | str)


def test_bundled_studies_compile_to_confined_code(studies: tuple[Study, ...]) -> None:
    assert studies
    for study in studies:
        tree, constants = study_tree([(c.kind == "exclusion", c.node) for c in study.criteria])
        assert_generated_code_is_confined(tree, constants)
        assert all(re.fullmatch(r"k\d+", name) for name in constants)


def test_compiled_functions_have_no_builtins(studies: tuple[Study, ...]) -> None:
    for study in studies:
        namespace = study.evaluate.__globals__
        assert namespace["__builtins__"] == {}
        names = set(namespace) - {"__builtins__", "study", "v_ineligible", "v_needs", "v_eligible"}
        assert all(re.fullmatch(r"k\d+", name) for name in names), names
        assert study.evaluate.__code__.co_filename == str(study.path)


def test_a_compiled_function_cannot_reach_builtins(studies: tuple[Study, ...]) -> None:
    """Even code smuggled into its namespace would find no builtins to call."""
    namespace = dict(studies[0].evaluate.__globals__)
    with pytest.raises(NameError):
        exec("open('x')", namespace)


# What a batch line's function may name besides field keys and bound constants (k0...):
# the two builtins the validator's checks use, str.strip on the id, the verdicts.
LINE_NAMES = {"len", "set", "strip", "v_eligible", "v_ineligible", "v_needs"}


def _line_function_is_confined(studies: tuple[Study, ...]) -> None:
    line = compile_line(studies)
    namespace = line.__globals__
    assert set(namespace["__builtins__"]) == {"len", "set"}
    names = set(namespace) - {"__builtins__", "line", *LINE_NAMES}
    assert all(re.fullmatch(r"k\d+", name) for name in names), names
    for name in line.__code__.co_names:  # globals and attributes the code reads
        assert name in BY_KEY or name in LINE_NAMES or re.fullmatch(r"k\d+", name), name


def test_the_batch_line_function_is_confined_too(studies: tuple[Study, ...]) -> None:
    """The function a batch runs on every line (studies.model.compile_line: the checks
    across fields and every study's rules) reads only fields, bound constants and two
    builtins: no name a criteria file could smuggle in."""
    _line_function_is_confined(studies)


@given(rule=strategies.rules())
def test_generated_rules_compile_to_a_confined_line_function(rule: str) -> None:
    _line_function_is_confined((driver.study([(False, rule), (True, rule)]),))


@given(rule=strategies.rules())
def test_generated_rules_compile_to_confined_code(rule: str) -> None:
    study = driver.study([(False, rule), (True, rule)])
    tree, constants = study_tree([(c.kind == "exclusion", c.node) for c in study.criteria])
    assert_generated_code_is_confined(tree, constants)


def test_no_module_was_touched() -> None:
    assert not any(hasattr(module, ATTRIBUTE) for module in list(sys.modules.values()))
