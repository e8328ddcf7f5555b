"""Intrinsic functions (``States.Format(...)`` and friends) and payload templates.

An expression is parsed once, when the definition is loaded: a function the interpreter does not
implement, a wrong argument count or a bad path is refused then, never at run time. Evaluation
follows what Step Functions recorded on AWS: ``States.Format`` renders objects and arrays the way
the service does (``{Arg1=1, Arg2=[]}``, ``[1, 2]``), ``States.StringToJson("")`` is null, and a
failure inside a function is ``States.IntrinsicFailure``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from estudio.errors import StateMachineError
from estudio.pipeline.asl_paths import StatesError, parse_path, read_path

_TOKEN = re.compile(
    r"\s*(?:(States\.\w+)\(|('(?:\\.|[^'\\])*')|(\$\$?[\w.\[\]-]*)"
    r"|(-?\d+(?:\.\d+)?)|(\))|(,)|(null|true|false)\b)"
)
_LITERALS: dict[str, Any] = {"null": None, "true": True, "false": False}


@dataclass(frozen=True)
class Literal:
    value: Any
    raw: str | None = None  # a string literal as written, escapes included (Format's template)


@dataclass(frozen=True)
class PathArg:
    path: str


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Literal | PathArg | Call, ...]


Node = Literal | PathArg | Call


def failure(message: str) -> StatesError:
    return StatesError("States.IntrinsicFailure", message)


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw)


# --- the functions -----------------------------------------------------------------------------
def render(value: Any) -> str:
    """How ``States.Format`` writes a value into its template (as recorded on AWS)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={render(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    return json.dumps(value)


def _template_parts(template: Literal | None, value: Any) -> list[str]:
    """The template's text between ``{}`` placeholders; ``\\{`` and ``\\}`` stay literal."""
    if not isinstance(value, str):
        raise failure("States.Format needs a string template")
    raw = template.raw if template is not None and template.raw is not None else value
    parts, current, position = [], "", 0
    while position < len(raw):
        char = raw[position]
        if char == "\\" and position + 1 < len(raw):
            current += raw[position + 1]
            position += 2
        elif raw.startswith("{}", position):
            parts.append(current)
            current, position = "", position + 2
        else:
            current += char
            position += 1
    parts.append(current)
    return parts


def _format(args: list[Any], nodes: tuple[Node, ...]) -> str:
    template_node = nodes[0] if isinstance(nodes[0], Literal) else None
    parts = _template_parts(template_node, args[0])
    values = args[1:]
    if len(parts) - 1 != len(values):
        raise failure(f"States.Format has {len(parts) - 1} placeholders and {len(values)} values")
    text = parts[0]
    for value, part in zip(values, parts[1:], strict=True):
        text += render(value) + part
    return text


def _string_to_json(args: list[Any], _nodes: tuple[Node, ...]) -> Any:
    text = args[0]
    if not isinstance(text, str):
        raise failure("States.StringToJson needs a string")
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        raise failure(f"States.StringToJson: not JSON ({error.args[0][:80]})") from error


def _array_length(args: list[Any], _nodes: tuple[Node, ...]) -> int:
    if not isinstance(args[0], list):
        raise failure("States.ArrayLength needs an array")
    return len(args[0])


def _array_get_item(args: list[Any], _nodes: tuple[Node, ...]) -> Any:
    array, index = args
    if not isinstance(array, list):
        raise failure("States.ArrayGetItem needs an array")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(array):
        raise failure(f"States.ArrayGetItem: index {index!r} is outside the array")
    return array[index]


Implementation = Callable[[list[Any], tuple[Node, ...]], Any]
# name → (minimum arguments, maximum arguments or None, implementation)
FUNCTIONS: dict[str, tuple[int, int | None, Implementation]] = {
    "States.Format": (1, None, _format),
    "States.Array": (0, None, lambda args, _n: list(args)),
    "States.JsonToString": (
        1,
        1,
        lambda args, _n: json.dumps(args[0], separators=(",", ":"), ensure_ascii=False),
    ),
    "States.StringToJson": (1, 1, _string_to_json),
    "States.UUID": (0, 0, lambda _a, _n: str(uuid.uuid4())),
    "States.ArrayLength": (1, 1, _array_length),
    "States.ArrayGetItem": (2, 2, _array_get_item),
}


# --- parsing and evaluation --------------------------------------------------------------------
@lru_cache(maxsize=256)
def parse_intrinsic(expression: str) -> Call:
    tokens = list(_TOKEN.finditer(expression))
    consumed = "".join(m.group(0) for m in tokens).strip()
    if consumed != expression.strip() or not tokens:
        raise StateMachineError(f"cannot parse intrinsic {expression!r}")
    position = 0

    def parse() -> Node:
        nonlocal position
        if position >= len(tokens):
            raise StateMachineError(f"unexpected end of {expression!r}")
        function, string, path, number, _close, _comma, word = tokens[position].groups()
        position += 1
        if string is not None:
            return Literal(_unescape(string[1:-1]), raw=string[1:-1])
        if path is not None:
            parse_path(path)
            return PathArg(path)
        if number is not None:
            return Literal(float(number) if "." in number else int(number))
        if word is not None:
            return Literal(_LITERALS[word])
        if function is None:
            raise StateMachineError(f"unexpected token in {expression!r}")
        if function not in FUNCTIONS:
            raise StateMachineError(f"intrinsic {function} is not supported by the local runner")
        args: list[Node] = []
        while True:
            if position >= len(tokens):
                raise StateMachineError(f"unclosed call in {expression!r}")
            if tokens[position].group(5) is not None:  # ")"
                position += 1
                break
            if args:
                if tokens[position].group(6) is None:  # ","
                    raise StateMachineError(f"expected ',' in {expression!r}")
                position += 1
            args.append(parse())
        low, high, _ = FUNCTIONS[function]
        if len(args) < low or (high is not None and len(args) > high):
            raise StateMachineError(f"{function} takes {low}..{high or 'n'} arguments")
        return Call(function, tuple(args))

    node = parse()
    if position != len(tokens) or not isinstance(node, Call):
        raise StateMachineError(f"cannot parse intrinsic {expression!r}")
    return node


def evaluate(node: Node, data: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, PathArg):
        return read_path(node.path, data, context)
    args = [evaluate(arg, data, context) for arg in node.args]
    return FUNCTIONS[node.function][2](args, node.args)


def call_intrinsic(expression: str, data: Any, context: Mapping[str, Any]) -> Any:
    return evaluate(parse_intrinsic(expression), data, context)


# --- templates (Parameters, ItemSelector, ResultSelector) --------------------------------------
def check_template(template: Any, where: str) -> None:
    """Refuse at load any ``key.$`` whose value is not a supported path or intrinsic."""
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$"):
                if not isinstance(value, str):
                    raise StateMachineError(f"{where}: {key} must be a path string")
                if value.startswith("States."):
                    parse_intrinsic(value)
                else:
                    parse_path(value)
            else:
                check_template(value, where)
    elif isinstance(template, list):
        for item in template:
            check_template(item, where)


def apply_template(template: Any, data: Any, context: Mapping[str, Any]) -> Any:
    """Parameters / ItemSelector / ResultSelector: keys ending in ``.$`` are paths or intrinsics."""
    if isinstance(template, dict):
        output: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                if not isinstance(value, str):
                    raise StateMachineError(f"{key} must be a path string")
                output[key[:-2]] = (
                    call_intrinsic(value, data, context)
                    if value.startswith("States.")
                    else read_path(value, data, context)
                )
            else:
                output[key] = apply_template(value, data, context)
        return output
    if isinstance(template, list):
        return [apply_template(item, data, context) for item in template]
    return template
