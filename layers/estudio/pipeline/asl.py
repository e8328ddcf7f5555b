"""A local interpreter for the subset of Amazon States Language the pipeline uses.

It executes ``statemachines/render.asl.json`` itself, so the local pipeline and the cloud one
cannot drift. What it supports it implements as the Step Functions documentation specifies
(paths, Parameters/ResultSelector/ResultPath/OutputPath, Retry with backoff and jitter, Catch,
Map with MaxConcurrency, Choice, the intrinsic functions used); anything else in a definition is
refused when the definition is loaded, not half-run.
"""

from __future__ import annotations

import copy
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estudio.errors import Cancelled, EstudioError, StateMachineError

Resource = Callable[[Any], Any]

STATE_FIELDS: dict[str, set[str]] = {
    "Task": {
        "Resource",
        "Parameters",
        "ResultSelector",
        "Retry",
        "Catch",
        "TimeoutSeconds",
        "HeartbeatSeconds",
    },
    "Map": {
        "ItemsPath",
        "ItemSelector",
        "Parameters",
        "ItemProcessor",
        "Iterator",
        "MaxConcurrency",
        "ResultSelector",
        "Retry",
        "Catch",
    },
    "Parallel": {"Branches", "Parameters", "ResultSelector", "Retry", "Catch"},
    "Choice": {"Choices", "Default"},
    "Pass": {"Result", "Parameters"},
    "Succeed": set(),
    "Fail": {"Error", "Cause"},
}
COMMON_FIELDS = {"Type", "Comment", "InputPath", "OutputPath", "ResultPath", "Next", "End"}
NO_RESULT_PATH = {"Choice", "Succeed", "Fail"}
RETRY_FIELDS = {
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
}
CATCH_FIELDS = {"ErrorEquals", "ResultPath", "Next", "Comment"}
CHOICE_OPERATORS = {
    "IsPresent",
    "IsNull",
    "StringEquals",
    "NumericEquals",
    "BooleanEquals",
    "NumericGreaterThan",
    "NumericLessThan",
    "IsString",
    "IsNumeric",
    "IsBoolean",
}


class ExecutionFailed(EstudioError):
    """The execution ended in a Fail state or with an uncaught error."""

    code = "execution_failed"

    def __init__(self, error: str, cause: str, caught: tuple[str, str] | None = None) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause
        self.caught = caught  # the original {Error, Cause} routed to the failure state, if any


class _TaskError(Exception):
    def __init__(self, name: str, cause: str, original: BaseException | None = None) -> None:
        super().__init__(f"{name}: {cause}")
        self.name = name
        self.cause = cause
        self.original = original


# --- paths -------------------------------------------------------------------------------------
_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]")


def read_path(path: str, data: Any, context: Mapping[str, Any]) -> Any:
    if path.startswith("$$"):
        root, rest = context, path[2:]
    elif path.startswith("$"):
        root, rest = data, path[1:]
    else:
        raise StateMachineError(f"unsupported path {path!r}")
    value: Any = root
    position = 0
    while position < len(rest):
        match = _PATH_TOKEN.match(rest, position)
        if not match:
            raise StateMachineError(f"unsupported path {path!r}")
        name, index = match.groups()
        try:
            value = value[name] if name is not None else value[int(index)]
        except (KeyError, IndexError, TypeError) as error:
            raise _TaskError("States.Runtime", f"path {path} not found in input") from error
        position = match.end()
    return value


def write_path(path: str | None, data: Any, result: Any) -> Any:
    """ResultPath semantics: None discards the result, "$" replaces the input."""
    if path is None:
        return data
    if path == "$":
        return result
    if not path.startswith("$."):
        raise StateMachineError(f"unsupported ResultPath {path!r}")
    output = copy.deepcopy(data) if isinstance(data, dict) else {}
    names = path[2:].split(".")
    target = output
    for name in names[:-1]:
        target = target.setdefault(name, {})
    target[names[-1]] = result
    return output


# --- intrinsic functions -----------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(States\.\w+)\(|('(?:\\.|[^'\\])*')|(\$\$?[\w.\[\]-]*)|(-?\d+(?:\.\d+)?)|(\))|(,))"
)


def call_intrinsic(expression: str, data: Any, context: Mapping[str, Any]) -> Any:
    tokens = [m for m in _TOKEN.finditer(expression)]
    consumed = "".join(m.group(0) for m in tokens).strip()
    if consumed != expression.strip():
        raise StateMachineError(f"cannot parse intrinsic {expression!r}")
    position = 0

    def parse() -> Any:
        nonlocal position
        token = tokens[position]
        position += 1
        function, literal, path, number, _, _ = token.groups()
        if literal is not None:
            return literal[1:-1].replace("\\'", "'")
        if path is not None:
            return read_path(path, data, context)
        if number is not None:
            return float(number) if "." in number else int(number)
        if function is None:
            raise StateMachineError(f"unexpected token in {expression!r}")
        args: list[Any] = []
        while tokens[position].group(5) is None:  # until ")"
            args.append(parse())
            if tokens[position].group(6) is not None:  # ","
                position += 1
        position += 1
        return _apply(function, args)

    return parse()


def _apply(function: str, args: list[Any]) -> Any:
    if function == "States.Format":
        template, *values = args
        parts = template.split("{}")
        if len(parts) - 1 != len(values):
            raise _TaskError("States.IntrinsicFailure", "States.Format argument count")
        text = parts[0]
        for value, part in zip(values, parts[1:], strict=True):
            text += (value if isinstance(value, str) else json.dumps(value)) + part
        return text
    if function == "States.Array":
        return list(args)
    if function == "States.JsonToString":
        return json.dumps(args[0], separators=(",", ":"))
    if function == "States.StringToJson":
        return json.loads(args[0])
    if function == "States.UUID":
        return str(uuid.uuid4())
    raise StateMachineError(f"intrinsic {function} is not supported by the local runner")


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


# --- choice rules ------------------------------------------------------------------------------
def _choice_matches(rule: Mapping[str, Any], data: Any, context: Mapping[str, Any]) -> bool:
    if "And" in rule:
        return all(_choice_matches(r, data, context) for r in rule["And"])
    if "Or" in rule:
        return any(_choice_matches(r, data, context) for r in rule["Or"])
    if "Not" in rule:
        return not _choice_matches(rule["Not"], data, context)
    variable = rule["Variable"]
    try:
        value = read_path(variable, data, context)
        present = True
    except _TaskError:
        value, present = None, False
    for operator in CHOICE_OPERATORS:
        if operator not in rule:
            continue
        expected = rule[operator]
        if operator == "IsPresent":
            return present is expected
        if not present:
            raise _TaskError("States.Runtime", f"choice variable {variable} not found")
        if operator == "IsNull":
            return (value is None) is expected
        if operator == "IsString":
            return isinstance(value, str) is expected
        if operator == "IsBoolean":
            return isinstance(value, bool) is expected
        if operator == "IsNumeric":
            return (isinstance(value, int | float) and not isinstance(value, bool)) is expected
        if operator in ("StringEquals", "NumericEquals", "BooleanEquals"):
            return bool(value == expected)
        if operator == "NumericGreaterThan":
            return bool(value > expected)
        if operator == "NumericLessThan":
            return bool(value < expected)
    raise StateMachineError(f"unsupported choice rule {sorted(rule)}")


# --- validation --------------------------------------------------------------------------------
def validate(definition: Mapping[str, Any], where: str = "definition") -> None:
    """Refuse, at load time, anything the runner does not implement."""
    states = definition.get("States")
    start = definition.get("StartAt")
    if not isinstance(states, dict) or start not in states:
        raise StateMachineError(f"{where}: StartAt must name a state")
    unknown_top = set(definition) - {
        "StartAt",
        "States",
        "Comment",
        "TimeoutSeconds",
        "Version",
        "ProcessorConfig",
    }
    if unknown_top:
        raise StateMachineError(f"{where}: unsupported fields {sorted(unknown_top)}")
    for name, state in states.items():
        kind = state.get("Type")
        if kind not in STATE_FIELDS:
            raise StateMachineError(f"{where}.{name}: state type {kind!r} is not supported locally")
        allowed = STATE_FIELDS[kind] | COMMON_FIELDS
        if kind in NO_RESULT_PATH:
            allowed -= {"ResultPath"}
        extra = set(state) - allowed
        if extra:
            raise StateMachineError(f"{where}.{name}: unsupported fields {sorted(extra)}")
        if kind not in ("Choice", "Succeed", "Fail") and ("Next" in state) == bool(
            state.get("End")
        ):
            raise StateMachineError(f"{where}.{name}: needs exactly one of Next or End")
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Choices", [])]
        targets += [c.get("Next") for c in state.get("Catch", [])]
        for target in targets:
            if target is not None and target not in states:
                raise StateMachineError(f"{where}.{name}: Next {target!r} is not a state")
        for retrier in state.get("Retry", []):
            if set(retrier) - RETRY_FIELDS or "ErrorEquals" not in retrier:
                raise StateMachineError(f"{where}.{name}: unsupported Retry {sorted(retrier)}")
        for catcher in state.get("Catch", []):
            if set(catcher) - CATCH_FIELDS or "ErrorEquals" not in catcher:
                raise StateMachineError(f"{where}.{name}: unsupported Catch {sorted(catcher)}")
        if kind == "Parallel":
            branches = state.get("Branches")
            if not isinstance(branches, list) or not branches:
                raise StateMachineError(f"{where}.{name}: Parallel needs Branches")
            for number, branch in enumerate(branches):
                validate(branch, f"{where}.{name}[{number}]")
        if kind == "Map":
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if not processor:
                raise StateMachineError(f"{where}.{name}: Map needs an ItemProcessor")
            mode = processor.get("ProcessorConfig", {}).get("Mode", "INLINE")
            if mode != "INLINE":
                raise StateMachineError(f"{where}.{name}: Map mode {mode} is not supported locally")
            validate(
                {k: v for k, v in processor.items() if k != "ProcessorConfig"}, f"{where}.{name}"
            )


# --- execution ---------------------------------------------------------------------------------
def error_name(error: BaseException) -> str:
    return type(error).__name__


def _matches(names: list[str], error: str) -> bool:
    if "States.ALL" in names:
        return True
    if error in names:
        return True
    return "States.TaskFailed" in names and not error.startswith("States.")


@dataclass
class StateMachine:
    definition: dict[str, Any]
    resources: Mapping[str, Resource]
    max_workers: int = 4
    sleep: Callable[[float], None] = time.sleep
    on_state: Callable[[str, str], None] | None = None  # (state name, "enter" | "exit")
    cancel: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        validate(self.definition)
        self._caught: tuple[str, str] | None = None
        self.caught_error: BaseException | None = None  # the original exception routed to Catch

    @classmethod
    def from_file(
        cls, path: Path, resources: Mapping[str, Resource], **options: Any
    ) -> StateMachine:
        return cls(json.loads(path.read_text(encoding="utf-8")), resources, **options)

    def execute(self, data: Any, execution_id: str | None = None) -> Any:
        context = {"Execution": {"Id": execution_id or str(uuid.uuid4()), "Input": data}}
        try:
            return self._run(self.definition, data, context)
        except _TaskError as error:
            raise ExecutionFailed(error.name, error.cause, self._caught) from error.original

    def _run(self, machine: Mapping[str, Any], data: Any, context: dict[str, Any]) -> Any:
        name = machine["StartAt"]
        while True:
            if self.cancel.is_set():
                raise Cancelled("the render was cancelled")
            state = machine["States"][name]
            if self.on_state:
                self.on_state(name, "enter")
            kind = state["Type"]
            if kind == "Succeed":
                return self._output(state, data, context)
            if kind == "Fail":
                raise _TaskError(state.get("Error", "States.Fail"), state.get("Cause", ""))
            if kind == "Choice":
                effective = read_path(state.get("InputPath", "$"), data, context)
                target = next(
                    (c["Next"] for c in state["Choices"] if _choice_matches(c, effective, context)),
                    state.get("Default"),
                )
                if target is None:
                    raise _TaskError("States.NoChoiceMatched", f"no choice matched in {name}")
                name = target
                continue
            try:
                data = self._step(name, state, data, context)
            except _TaskError as error:
                catcher = next(
                    (c for c in state.get("Catch", []) if _matches(c["ErrorEquals"], error.name)),
                    None,
                )
                if catcher is None:
                    raise
                self._caught = (error.name, error.cause)
                self.caught_error = error.original
                data = write_path(
                    catcher.get("ResultPath", "$"),
                    data,
                    {"Error": error.name, "Cause": error.cause},
                )
                name = catcher["Next"]
                continue
            finally:
                if self.on_state:
                    self.on_state(name, "exit")
            if state.get("End"):
                return data
            name = state["Next"]

    def _output(self, state: Mapping[str, Any], data: Any, context: Mapping[str, Any]) -> Any:
        path = state.get("OutputPath", "$")
        return data if path is None else read_path(path, data, context)

    def _step(self, name: str, state: Mapping[str, Any], data: Any, context: dict[str, Any]) -> Any:
        effective = (
            data
            if state.get("InputPath", "$") is None
            else read_path(state.get("InputPath", "$"), data, context)
        )
        kind = state["Type"]
        if kind == "Pass":
            result = state.get("Result", effective)
            if "Parameters" in state:
                result = apply_template(state["Parameters"], effective, context)
        elif kind == "Task":
            payload = effective
            if "Parameters" in state:
                payload = apply_template(state["Parameters"], effective, context)
            result = self._with_retry(state, lambda: self._invoke(state["Resource"], payload))
        elif kind == "Parallel":
            payload = effective
            if "Parameters" in state:
                payload = apply_template(state["Parameters"], effective, context)
            result = self._with_retry(state, lambda: self._parallel(state, payload, context))
        else:  # Map
            result = self._with_retry(state, lambda: self._map(state, effective, context))
        if "ResultSelector" in state:
            result = apply_template(state["ResultSelector"], result, context)
        merged = write_path(state.get("ResultPath", "$"), data, result)
        return self._output(state, merged, context)

    def _invoke(self, resource: str, payload: Any) -> Any:
        handler = self.resources.get(resource)
        if handler is None:
            raise StateMachineError(f"no local resource bound to {resource!r}")
        try:
            return handler(copy.deepcopy(payload))
        except (Cancelled, StateMachineError):
            raise
        except Exception as error:  # every task error becomes a named SFN error, as Lambda does
            message = getattr(error, "message", None) or str(error) or error_name(error)
            raise _TaskError(error_name(error), message, error) from error

    def _with_retry(self, state: Mapping[str, Any], work: Callable[[], Any]) -> Any:
        attempts: dict[int, int] = {}
        while True:
            try:
                return work()
            except _TaskError as error:
                for number, retrier in enumerate(state.get("Retry", [])):
                    if _matches(retrier["ErrorEquals"], error.name):
                        done = attempts.get(number, 0)
                        if done >= retrier.get("MaxAttempts", 3):
                            raise
                        attempts[number] = done + 1
                        delay = (
                            retrier.get("IntervalSeconds", 1)
                            * retrier.get("BackoffRate", 2.0) ** done
                        )
                        delay = min(delay, retrier.get("MaxDelaySeconds", delay))
                        if retrier.get("JitterStrategy") == "FULL":
                            delay = random.uniform(0, delay)
                        self.sleep(delay)
                        break
                else:
                    raise

    def _parallel(self, state: Mapping[str, Any], data: Any, context: dict[str, Any]) -> list[Any]:
        """Every branch gets the same input; the result is the list of branch outputs."""
        branches = state["Branches"]
        with ThreadPoolExecutor(max_workers=len(branches), thread_name_prefix="branch") as pool:
            futures = [
                pool.submit(self._run, branch, copy.deepcopy(data), context) for branch in branches
            ]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:  # one failed branch fails the Parallel state
                    future.cancel()
                raise

    def _map(self, state: Mapping[str, Any], data: Any, context: dict[str, Any]) -> list[Any]:
        items = read_path(state.get("ItemsPath", "$"), data, context)
        if not isinstance(items, list):
            raise _TaskError("States.Runtime", "ItemsPath must select an array")
        processor = state.get("ItemProcessor") or state["Iterator"]
        selector = state.get("ItemSelector") or state.get("Parameters")
        limit = state.get("MaxConcurrency", 0) or len(items) or 1
        workers = max(1, min(limit, self.max_workers, len(items) or 1))

        def one(index: int) -> Any:
            item_context = {**context, "Map": {"Item": {"Index": index, "Value": items[index]}}}
            item = apply_template(selector, data, item_context) if selector else items[index]
            return self._run(processor, item, item_context)

        if workers == 1:
            return [one(i) for i in range(len(items))]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="map") as pool:
            futures = [pool.submit(one, i) for i in range(len(items))]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:  # like Step Functions: one failed iteration fails the Map
                    future.cancel()
                raise
