"""Choice rules: checked at load, evaluated as Step Functions does.

A comparison whose variable has another type than the operator compares is false, never an
error and never a coercion: ``BooleanEquals: true`` does not match ``1`` and ``NumericEquals: 1``
does not match ``true`` (booleans are not numbers), as the AWS-recorded executions show. The
timestamp operators are not implemented and are refused when the definition loads.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from estudio.errors import StateMachineError
from estudio.pipeline.asl_paths import StatesError, parse_path, read_path


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


@lru_cache(maxsize=128)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """StringMatches: ``*`` matches any run of characters, ``\\*`` a literal star."""
    parts = re.split(r"(\\\\|\\\*|\*)", pattern)
    regex = "".join(
        ".*"
        if part == "*"
        else re.escape("*")
        if part == "\\*"
        else re.escape("\\")
        if part == "\\\\"
        else re.escape(part)
        for part in parts
    )
    return re.compile(regex, re.DOTALL)


Compare = Callable[[Any, Any], bool]
# operator → (type check both sides must pass, comparison)
COMPARISONS: dict[str, tuple[Callable[[Any], bool], Compare]] = {
    "StringEquals": (_is_string, operator.eq),
    "StringLessThan": (_is_string, operator.lt),
    "StringGreaterThan": (_is_string, operator.gt),
    "StringLessThanEquals": (_is_string, operator.le),
    "StringGreaterThanEquals": (_is_string, operator.ge),
    "NumericEquals": (_is_number, operator.eq),
    "NumericLessThan": (_is_number, operator.lt),
    "NumericGreaterThan": (_is_number, operator.gt),
    "NumericLessThanEquals": (_is_number, operator.le),
    "NumericGreaterThanEquals": (_is_number, operator.ge),
    "BooleanEquals": (_is_boolean, operator.eq),
}
TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsString": _is_string,
    "IsNumeric": _is_number,
    "IsBoolean": _is_boolean,
    "IsNull": lambda value: value is None,
}
OPERATORS = (
    set(COMPARISONS)
    | {f"{name}Path" for name in COMPARISONS}
    | set(TYPE_TESTS)
    | {"IsPresent", "StringMatches"}
)


def check_rule(rule: Any, where: str, top: bool) -> None:
    if not isinstance(rule, dict):
        raise StateMachineError(f"{where}: a choice rule must be an object")
    allowed_extra = {"Next", "Comment"} if top else {"Comment"}
    if top and "Next" not in rule:
        raise StateMachineError(f"{where}: a choice rule needs Next")
    for combinator in ("And", "Or"):
        if combinator in rule:
            if set(rule) - {combinator} - allowed_extra:
                raise StateMachineError(f"{where}: unsupported choice rule {sorted(rule)}")
            rules = rule[combinator]
            if not isinstance(rules, list) or not rules:
                raise StateMachineError(f"{where}: {combinator} needs a non-empty list")
            for inner in rules:
                check_rule(inner, where, top=False)
            return
    if "Not" in rule:
        if set(rule) - {"Not"} - allowed_extra:
            raise StateMachineError(f"{where}: unsupported choice rule {sorted(rule)}")
        check_rule(rule["Not"], where, top=False)
        return
    if "Variable" not in rule:
        raise StateMachineError(f"{where}: a choice rule needs Variable")
    parse_path(rule["Variable"])
    operators = set(rule) - {"Variable"} - allowed_extra
    if len(operators) != 1 or not operators <= OPERATORS:
        raise StateMachineError(
            f"{where}: unsupported choice rule {sorted(operators)} (one of the operators the "
            "local runner implements is needed; timestamp operators are not implemented)"
        )
    (name,) = operators
    expected = rule[name]
    if name.endswith("Path"):
        parse_path(expected)
    elif name in TYPE_TESTS or name in ("IsPresent", "BooleanEquals"):
        if not isinstance(expected, bool):
            raise StateMachineError(f"{where}: {name} needs true or false")
    elif name == "StringMatches" or name.startswith("String"):
        if not isinstance(expected, str):
            raise StateMachineError(f"{where}: {name} needs a string")
    elif not _is_number(expected):
        raise StateMachineError(f"{where}: {name} needs a number")


def matches(rule: Mapping[str, Any], data: Any, context: Mapping[str, Any]) -> bool:
    if "And" in rule:
        return all(matches(r, data, context) for r in rule["And"])
    if "Or" in rule:
        return any(matches(r, data, context) for r in rule["Or"])
    if "Not" in rule:
        return not matches(rule["Not"], data, context)
    variable = rule["Variable"]
    name = next(key for key in rule if key in OPERATORS)
    expected = rule[name]
    if name == "IsPresent":
        try:
            read_path(variable, data, context)
        except StatesError:
            return not expected
        return bool(expected)
    value = read_path(variable, data, context)  # a missing variable is States.Runtime
    if name in TYPE_TESTS:
        return TYPE_TESTS[name](value) is expected
    if name == "StringMatches":
        return isinstance(value, str) and _wildcard(expected).fullmatch(value) is not None
    if name.endswith("Path"):
        name, expected = name[: -len("Path")], read_path(expected, data, context)
    is_type, compare = COMPARISONS[name]
    return is_type(value) and is_type(expected) and bool(compare(value, expected))
