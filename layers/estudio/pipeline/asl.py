"""A local interpreter for the subset of Amazon States Language the pipeline uses.

It executes ``statemachines/render.asl.json`` itself, so the local pipeline and the cloud one
cannot drift. What it supports it implements as Step Functions does, checked against executions
recorded on AWS: paths (``null`` selects ``{}``), Parameters/ResultSelector/ResultPath/OutputPath,
the context object, Retry with backoff and jitter, Catch (``States.Runtime`` passes every
catcher), Task ``TimeoutSeconds``, the execution's ``TimeoutSeconds``, the 256 KiB payload quota
(``States.DataLimitExceeded``), Map with MaxConcurrency, Parallel, Choice, and the intrinsic
functions in ``asl_intrinsics``. Anything else in a definition — a state type, a field, an
intrinsic function, a choice operator — is refused when the definition is loaded, not half-run.

Paths and payload sizes live in ``asl_paths``, intrinsic functions and templates in
``asl_intrinsics``, choice rules in ``asl_choice``.
"""

from __future__ import annotations

import copy
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from estudio.errors import Cancelled, EstudioError, StateMachineError
from estudio.pipeline.asl_choice import check_rule
from estudio.pipeline.asl_choice import matches as choice_matches
from estudio.pipeline.asl_intrinsics import apply_template, call_intrinsic, check_template
from estudio.pipeline.asl_paths import (
    PAYLOAD_LIMIT_BYTES,
    UNCATCHABLE,
    StatesError,
    check_result_path,
    check_size,
    parse_path,
    payload_bytes,
    read_path,
    select,
    write_path,
)

Resource = Callable[[Any], Any]

STATE_FIELDS: dict[str, set[str]] = {
    "Task": {"Resource", "Parameters", "ResultSelector", "Retry", "Catch", "TimeoutSeconds"},
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
TERMINAL = {"Choice", "Succeed", "Fail"}  # no Next/End of their own
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
TOP_FIELDS = {"StartAt", "States", "Comment", "TimeoutSeconds", "Version", "ProcessorConfig"}
TEMPLATE_FIELDS = ("Parameters", "ItemSelector", "ResultSelector")
LOCAL_STATE_MACHINE_ARN = "arn:aws:states:local:000000000000:stateMachine:render"
LOCAL_ROLE_ARN = "arn:aws:iam::000000000000:role/local-render"


class ExecutionFailed(EstudioError):
    """The execution ended in a Fail state or with an uncaught error."""

    code = "execution_failed"

    def __init__(
        self, error: str | None, cause: str | None, caught: tuple[str, str] | None = None
    ) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause
        self.caught = caught  # the original {Error, Cause} routed to the failure state, if any


def iso_time(moment: datetime) -> str:
    """Step Functions' timestamps: ``2026-03-14T13:05:22.417Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Execution:
    """What the context object says about the execution (``$$.Execution``, ``$$.StateMachine``)."""

    name: str = field(default_factory=lambda: str(uuid.uuid4()))
    state_machine_arn: str = LOCAL_STATE_MACHINE_ARN
    role_arn: str = LOCAL_ROLE_ARN
    start_time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def arn(self) -> str:
        head, _, machine = self.state_machine_arn.rpartition(":stateMachine:")
        return f"{head}:execution:{machine}:{self.name}"

    def context(self, data: Any) -> dict[str, Any]:
        return {
            "Execution": {
                "Id": self.arn,
                "Input": copy.deepcopy(data),
                "StartTime": iso_time(self.start_time),
                "Name": self.name,
                "RoleArn": self.role_arn,
                "RedriveCount": 0,
            },
            "StateMachine": {
                "Id": self.state_machine_arn,
                "Name": self.state_machine_arn.rpartition(":")[2],
            },
        }


# --- validation --------------------------------------------------------------------------------
def _check_paths(state: Mapping[str, Any], where: str) -> None:
    for name in ("InputPath", "OutputPath", "ItemsPath"):
        if name in state and not (state[name] is None and name != "ItemsPath"):
            parse_path(state[name])
    if "ResultPath" in state:
        check_result_path(state["ResultPath"])
    for name in TEMPLATE_FIELDS:
        if name in state:
            check_template(state[name], f"{where}.{name}")


def _check_positive(state: Mapping[str, Any], name: str, where: str) -> None:
    value = state.get(name)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise StateMachineError(f"{where}: {name} must be a positive integer")


def validate(definition: Mapping[str, Any], where: str = "definition") -> None:
    """Refuse, at load time, anything the runner does not implement."""
    states = definition.get("States")
    start = definition.get("StartAt")
    if not isinstance(states, dict) or start not in states:
        raise StateMachineError(f"{where}: StartAt must name a state")
    unknown_top = set(definition) - TOP_FIELDS
    if unknown_top:
        raise StateMachineError(f"{where}: unsupported fields {sorted(unknown_top)}")
    _check_positive(definition, "TimeoutSeconds", where)
    for name, state in states.items():
        _validate_state(name, state, states, f"{where}.{name}")


def _validate_state(
    name: str, state: Mapping[str, Any], states: Mapping[str, Any], where: str
) -> None:
    kind = state.get("Type")
    if kind not in STATE_FIELDS:
        raise StateMachineError(f"{where}: state type {kind!r} is not supported locally")
    allowed = STATE_FIELDS[kind] | COMMON_FIELDS
    if kind in NO_RESULT_PATH:
        allowed -= {"ResultPath"}
    if kind in TERMINAL:
        allowed -= {"Next", "End"}
    extra = set(state) - allowed
    if extra:
        raise StateMachineError(f"{where}: unsupported fields {sorted(extra)}")
    if kind not in TERMINAL and ("Next" in state) == bool(state.get("End")):
        raise StateMachineError(f"{where}: needs exactly one of Next or End")
    _check_paths(state, where)
    _check_positive(state, "TimeoutSeconds", where)
    if kind == "Task" and not isinstance(state.get("Resource"), str):
        raise StateMachineError(f"{where}: a Task needs a Resource")
    if kind == "Fail":
        for key in ("Error", "Cause"):
            if key in state and not isinstance(state[key], str):
                raise StateMachineError(f"{where}: {key} must be a string")
    if kind == "Choice":
        choices = state.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise StateMachineError(f"{where}: Choice needs Choices")
        for rule in choices:
            check_rule(rule, where, top=True)
    targets = [state.get("Next"), state.get("Default")]
    targets += [c.get("Next") for c in state.get("Choices", [])]
    targets += [c.get("Next") for c in state.get("Catch", [])]
    for target in targets:
        if target is not None and target not in states:
            raise StateMachineError(f"{where}: Next {target!r} is not a state")
    for retrier in state.get("Retry", []):
        if set(retrier) - RETRY_FIELDS or "ErrorEquals" not in retrier:
            raise StateMachineError(f"{where}: unsupported Retry {sorted(retrier)}")
    for catcher in state.get("Catch", []):
        if set(catcher) - CATCH_FIELDS or "ErrorEquals" not in catcher:
            raise StateMachineError(f"{where}: unsupported Catch {sorted(catcher)}")
        check_result_path(catcher.get("ResultPath", "$"))
    if kind == "Parallel":
        branches = state.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise StateMachineError(f"{where}: Parallel needs Branches")
        for number, branch in enumerate(branches):
            validate(branch, f"{where}[{number}]")
    if kind == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if not processor:
            raise StateMachineError(f"{where}: Map needs an ItemProcessor")
        mode = processor.get("ProcessorConfig", {}).get("Mode", "INLINE")
        if mode != "INLINE":
            raise StateMachineError(f"{where}: Map mode {mode} is not supported locally")
        validate({k: v for k, v in processor.items() if k != "ProcessorConfig"}, where)


# --- execution ---------------------------------------------------------------------------------
def error_name(error: BaseException) -> str:
    return type(error).__name__


def _matches(names: list[str], error: str | None) -> bool:
    """Whether a retrier's or catcher's ErrorEquals covers this error (developer guide)."""
    if error in UNCATCHABLE:
        return False
    if "States.ALL" in names or error in names:
        return True
    return "States.TaskFailed" in names and error != "States.Timeout"


class _ExecutionTimedOut(StatesError):
    """The execution's own TimeoutSeconds passed: nothing catches it."""


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
        self._deadline: float | None = None

    @classmethod
    def from_file(
        cls, path: Path, resources: Mapping[str, Resource], **options: Any
    ) -> StateMachine:
        return cls(json.loads(path.read_text(encoding="utf-8")), resources, **options)

    def execute(
        self, data: Any, execution_id: str | None = None, execution: Execution | None = None
    ) -> Any:
        execution = execution or Execution(name=execution_id or str(uuid.uuid4()))
        limit = self.definition.get("TimeoutSeconds")
        self._deadline = time.monotonic() + limit if limit else None
        try:
            return self._run(self.definition, data, execution.context(data))
        except StatesError as error:
            raise ExecutionFailed(error.error, error.cause, self._caught) from error.original

    def _run(self, machine: Mapping[str, Any], data: Any, context: dict[str, Any]) -> Any:
        name = machine["StartAt"]
        while True:
            if self.cancel.is_set():
                raise Cancelled("the render was cancelled")
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise _ExecutionTimedOut("States.Timeout", "the execution timed out")
            state = machine["States"][name]
            here = {**context, "State": {"Name": name, "EnteredTime": iso_time(datetime.now(UTC))}}
            if self.on_state:
                self.on_state(name, "enter")
            kind = state["Type"]
            if kind == "Fail":
                raise StatesError(state.get("Error"), state.get("Cause"))
            if kind in ("Succeed", "Choice"):
                effective = select(state.get("InputPath", "$"), data, here)
                output = check_size(select(state.get("OutputPath", "$"), effective, here), name)
                if kind == "Succeed":
                    return output
                target = next(
                    (c["Next"] for c in state["Choices"] if choice_matches(c, effective, here)),
                    state.get("Default"),
                )
                if target is None:
                    raise StatesError("States.NoChoiceMatched", f"no choice matched in {name}")
                data, name = output, target
                continue
            try:
                data = self._step(name, state, data, here)
            except StatesError as error:
                catcher = (
                    None
                    if isinstance(error, _ExecutionTimedOut)
                    else next(
                        (
                            c
                            for c in state.get("Catch", [])
                            if _matches(c["ErrorEquals"], error.error)
                        ),
                        None,
                    )
                )
                if catcher is None:
                    raise
                self._caught = (str(error.error), str(error.cause or ""))
                self.caught_error = error.original
                data = write_path(
                    catcher.get("ResultPath", "$"),
                    data,
                    {"Error": error.error, "Cause": error.cause},
                )
                name = catcher["Next"]
                continue
            finally:
                if self.on_state:
                    self.on_state(name, "exit")
            if state.get("End"):
                return data
            name = state["Next"]

    def _step(self, name: str, state: Mapping[str, Any], data: Any, context: dict[str, Any]) -> Any:
        effective = select(state.get("InputPath", "$"), data, context)
        if "Parameters" in state and state["Type"] != "Map":
            effective = apply_template(state["Parameters"], effective, context)
            if payload_bytes(effective) > PAYLOAD_LIMIT_BYTES:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"The state/task '{name}' has an input with a size exceeding the maximum "
                    "number of bytes service limit.",
                )
        kind = state["Type"]
        if kind == "Pass":
            result = state.get("Result", effective)
        elif kind == "Task":
            resource = state["Resource"]
            result = self._with_retry(state, lambda: self._call(state, resource, effective))
        elif kind == "Parallel":
            result = self._with_retry(state, lambda: self._parallel(state, effective, context))
        else:  # Map
            result = self._with_retry(state, lambda: self._map(state, effective, context))
        if "ResultSelector" in state:
            result = apply_template(state["ResultSelector"], result, context)
        merged = write_path(state.get("ResultPath", "$"), data, result)
        return check_size(select(state.get("OutputPath", "$"), merged, context), name)

    def _call(self, state: Mapping[str, Any], resource: str, payload: Any) -> Any:
        """One invocation, bounded by the state's TimeoutSeconds (``States.Timeout``)."""
        timeout = state.get("TimeoutSeconds")
        if timeout is None:
            return check_size(self._invoke(resource, payload), resource)
        box: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                box["result"] = self._invoke(resource, payload)
            except BaseException as error:
                box["error"] = error
            finally:
                done.set()

        threading.Thread(target=run, name="task", daemon=True).start()
        if not done.wait(timeout):  # the work goes on unobserved, as an abandoned task would
            raise StatesError("States.Timeout", f"{resource} did not finish in {timeout} s")
        if "error" in box:
            raise box["error"]
        return check_size(box["result"], resource)

    def _invoke(self, resource: str, payload: Any) -> Any:
        handler = self.resources.get(resource)
        if handler is None:
            raise StateMachineError(f"no local resource bound to {resource!r}")
        try:
            return handler(copy.deepcopy(payload))
        except (Cancelled, StateMachineError, StatesError):
            raise
        except Exception as error:  # every task error becomes a named SFN error, as Lambda does
            message = getattr(error, "message", None) or str(error) or error_name(error)
            raise StatesError(error_name(error), message, error) from error

    def _with_retry(self, state: Mapping[str, Any], work: Callable[[], Any]) -> Any:
        attempts: dict[int, int] = {}
        while True:
            try:
                return work()
            except StatesError as error:
                for number, retrier in enumerate(state.get("Retry", [])):
                    if _matches(retrier["ErrorEquals"], error.error):
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
            raise StatesError("States.Runtime", "ItemsPath must select an array")
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


__all__ = [
    "PAYLOAD_LIMIT_BYTES",
    "Execution",
    "ExecutionFailed",
    "StateMachine",
    "StatesError",
    "apply_template",
    "call_intrinsic",
    "read_path",
    "validate",
    "write_path",
]
