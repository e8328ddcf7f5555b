"""Reference paths, ResultPath writes, the 256 KiB payload quota, and the errors the States
Language itself defines: the pieces of ``estudio.pipeline.asl`` every other part uses."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from estudio.errors import StateMachineError

PAYLOAD_LIMIT_BYTES = 256 * 1024  # Step Functions' quota for a state's input, result and output
# Errors a retrier or catcher never sees, not even through States.ALL (developer guide:
# "A retry or catch on States.ALL won't catch States.Runtime errors").
UNCATCHABLE = frozenset({"States.Runtime"})


class StatesError(Exception):
    """A task or state failed with this Step Functions ``Error`` and ``Cause``.

    Resources raise it to fail with exactly the names Step Functions would give (a Lambda's
    ``errorType``, ``States.TaskFailed`` for a failed Batch job); any other exception a resource
    raises is named after its class, as Lambda names it.
    """

    def __init__(
        self, error: str | None, cause: str | None = None, original: BaseException | None = None
    ) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause
        self.original = original


def runtime_error(message: str) -> StatesError:
    return StatesError("States.Runtime", message)


# --- paths -------------------------------------------------------------------------------------
_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]")
Step = str | int


@lru_cache(maxsize=512)
def parse_path(path: str) -> tuple[bool, tuple[Step, ...]]:
    """``$.a.b[0]`` → (False, ("a", "b", 0)); ``$$.Map.Item`` → (True, ("Map", "Item")).

    Only the definite subset (names and indexes): filters, wildcards and slices are refused."""
    if not isinstance(path, str):
        raise StateMachineError(f"a path must be a string, not {path!r}")
    if path.startswith("$$"):
        context, rest = True, path[2:]
    elif path.startswith("$"):
        context, rest = False, path[1:]
    else:
        raise StateMachineError(f"unsupported path {path!r}")
    steps: list[Step] = []
    position = 0
    while position < len(rest):
        match = _PATH_TOKEN.match(rest, position)
        if not match:
            raise StateMachineError(f"unsupported path {path!r}")
        name, index = match.groups()
        steps.append(name if name is not None else int(index))
        position = match.end()
    return context, tuple(steps)


def read_path(path: str, data: Any, context: Mapping[str, Any]) -> Any:
    is_context, steps = parse_path(path)
    value: Any = context if is_context else data
    for step in steps:
        try:
            if isinstance(step, int) and not isinstance(value, list):
                raise TypeError(step)
            value = value[step]
        except (KeyError, IndexError, TypeError) as error:
            raise runtime_error(f"path {path} not found in input") from error
    return value


def check_result_path(path: str | None) -> None:
    """What ``write_path`` can write: null, ``$``, or ``$.name.name``."""
    if path is None or path == "$":
        return
    _, steps = parse_path(path)
    if path.startswith("$$") or not all(isinstance(step, str) for step in steps):
        raise StateMachineError(f"unsupported ResultPath {path!r}")


def write_path(path: str | None, data: Any, result: Any) -> Any:
    """ResultPath semantics: None discards the result, "$" replaces the input."""
    if path is None:
        return data
    if path == "$":
        return result
    check_result_path(path)
    output = copy.deepcopy(data) if isinstance(data, dict) else {}
    names = [str(step) for step in parse_path(path)[1]]
    target = output
    for name in names[:-1]:
        child = target.get(name)
        if not isinstance(child, dict):
            child = target[name] = {}
        target = child
    target[names[-1]] = result
    return output


def select(path: str | None, data: Any, context: Mapping[str, Any]) -> Any:
    """InputPath / OutputPath: null gives ``{}``, a path selects part of the data."""
    if path is None:
        return {}
    return read_path(path, data, context)


# --- the payload quota -------------------------------------------------------------------------
def payload_bytes(value: Any) -> int:
    """The size Step Functions counts: the UTF-8 bytes of the value as compact JSON."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def check_size(value: Any, who: str) -> Any:
    if payload_bytes(value) > PAYLOAD_LIMIT_BYTES:
        raise StatesError(
            "States.DataLimitExceeded",
            f"The state/task '{who}' returned a result with a size exceeding the maximum "
            "number of bytes service limit.",
        )
    return value
