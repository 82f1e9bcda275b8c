"""How large a whole-number expression can grow, checked when a rule is loaded.

Python's whole numbers have no size limit, but mixing one beyond ~1.8e308 with a
decimal (``+``, ``*``, ``/``) raises ``OverflowError`` instead of giving a value. Rules
stay clear of that by construction: literals are bounded (:data:`MAX_LITERAL`, checked
by the parser) and every ``+ - *`` of two whole numbers has a bound on its size, from
the fields' declared ranges, that must stay below :data:`MAX_WHOLE`. Decimal arithmetic
needs no check: at worst it gives ``inf``, never an exception.
"""

from __future__ import annotations

from pml_trials.profile.fields import BY_KEY
from pml_trials.rules.functions import FUNCTIONS
from pml_trials.rules.nodes import Arith, Call, Const, DefinitionRef, FieldRef, Negate, Node

MAX_LITERAL = 1e15  # every count and limit in a criterion is far smaller; exact as a float
MAX_WHOLE = 1e300  # far below the largest float, so any mix with a decimal converts


def whole_bound(node: Node) -> float | None:
    """The largest size a whole-number node can have, or ``None`` for a decimal one
    (or a non-number)."""
    if isinstance(node, Const):
        value = node.value
        return float(abs(value)) if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(node, FieldRef):
        spec = BY_KEY[node.key]
        if spec.kind != "integer":
            return None
        return max(abs(spec.minimum or 0.0), abs(spec.maximum or 0.0))
    if isinstance(node, Call):
        return FUNCTIONS[node.function].whole_bound
    if isinstance(node, Negate):
        return whole_bound(node.operand)
    if isinstance(node, DefinitionRef):
        return whole_bound(node.body)
    if isinstance(node, Arith) and node.op != "/":
        left, right = whole_bound(node.left), whole_bound(node.right)
        if left is None or right is None:
            return None
        return left * right if node.op == "*" else left + right  # inf when it overflows
    return None


def too_large(node: Arith) -> bool:
    """Whether this arithmetic can make a whole number too large to mix with decimals."""
    bound = whole_bound(node)
    return bound is not None and bound > MAX_WHOLE
