"""The local interpreter against what Step Functions itself does.

Each case here is a behaviour recorded on AWS (the LocalStack project's AWS-validated execution
snapshots under ``tests/aws/services/stepfunctions``) or stated by the Step Functions developer
guide, where the interpreter used to differ.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from estudio.errors import StateMachineError
from estudio.pipeline.asl import (
    PAYLOAD_LIMIT_BYTES,
    Execution,
    ExecutionFailed,
    StateMachine,
    StatesError,
    call_intrinsic,
)

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TOO_BIG = (
    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes "
    "service limit."
)


def machine(states: dict[str, Any], resources: dict[str, Any] | None = None) -> StateMachine:
    return StateMachine(
        {"StartAt": next(iter(states)), "States": states}, resources or {}, sleep=lambda _s: None
    )


def single(state: dict[str, Any], resources: dict[str, Any] | None = None) -> StateMachine:
    return machine({"TestState": {**state, "End": True}}, resources)


# --- 256 KiB payloads ---------------------------------------------------------------------------
def test_given_a_task_result_over_256_kib_then_data_limit_exceeded_is_caught_by_all() -> None:
    states = {
        "InvokeLambda": {
            "Type": "Task",
            "Resource": "big",
            "Next": "Unreached",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "HandleGeneralError"}],
        },
        "Unreached": {"Type": "Fail", "Error": "Unreached"},
        "HandleGeneralError": {"Type": "Pass", "End": True},
    }
    big = {"big": lambda _p: "a" * (PAYLOAD_LIMIT_BYTES + 1)}

    output = machine(states, big).execute({"FunctionName": "f", "Payload": None})

    assert output == {"Error": "States.DataLimitExceeded", "Cause": TOO_BIG.format("big")}


def test_given_a_pass_with_a_result_over_256_kib_then_the_execution_fails() -> None:
    sm = machine({"State_1": {"Type": "Pass", "Result": {"Arg1": "a" * (257 * 1024)}, "End": True}})

    with pytest.raises(ExecutionFailed) as failed:
        sm.execute({})

    assert (failed.value.error, failed.value.cause) == (
        "States.DataLimitExceeded",
        TOO_BIG.format("State_1"),
    )


def test_given_a_result_just_under_256_kib_then_it_passes() -> None:
    text = "a" * (PAYLOAD_LIMIT_BYTES - 16)
    assert single({"Type": "Pass", "Result": text}).execute({}) == text


def test_given_multibyte_text_then_the_limit_counts_utf8_bytes_not_characters() -> None:
    text = "ç" * (PAYLOAD_LIMIT_BYTES // 2 + 8)  # fewer characters than the limit, more bytes
    with pytest.raises(ExecutionFailed) as failed:
        single({"Type": "Pass", "Result": text}).execute({})
    assert failed.value.error == "States.DataLimitExceeded"


# --- null paths ---------------------------------------------------------------------------------
def test_given_input_path_null_then_the_effective_input_is_an_empty_object() -> None:
    seen: list[Any] = []
    sm = single(
        {"Type": "Task", "Resource": "r", "InputPath": None, "ResultPath": None},
        {"r": lambda payload: seen.append(payload)},
    )
    assert sm.execute({"a": 1}) == {"a": 1}
    assert seen == [{}]


def test_given_output_path_null_then_the_output_is_an_empty_object() -> None:
    assert single({"Type": "Pass", "OutputPath": None}).execute({"a": 1}) == {}
    task = single({"Type": "Task", "Resource": "r", "OutputPath": None}, {"r": lambda p: 1})
    assert task.execute({"a": 1}) == {}


def test_given_a_choice_with_paths_then_its_output_is_the_selected_input() -> None:
    sm = machine(
        {
            "C": {
                "Type": "Choice",
                "InputPath": "$.inner",
                "OutputPath": "$.keep",
                "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "End"}],
            },
            "End": {"Type": "Succeed"},
        }
    )
    assert sm.execute({"inner": {"go": True, "keep": {"k": 1}}}) == {"k": 1}


# --- the context object -------------------------------------------------------------------------
def test_given_the_whole_context_object_then_it_has_every_field_step_functions_gives() -> None:
    started = datetime(2026, 3, 14, 13, 5, 22, 417000, tzinfo=UTC)
    execution = Execution(
        name="job-123",
        state_machine_arn="arn:aws:states:sa-east-1:123456789012:stateMachine:Render",
        role_arn="arn:aws:iam::123456789012:role/RenderRole",
        start_time=started,
    )
    sm = single({"Type": "Pass", "Parameters": {"ctx.$": "$$"}})

    ctx = sm.execute({"input-value": 0}, execution=execution)["ctx"]

    assert ctx["Execution"] == {
        "Id": "arn:aws:states:sa-east-1:123456789012:execution:Render:job-123",
        "Input": {"input-value": 0},
        "StartTime": "2026-03-14T13:05:22.417Z",
        "Name": "job-123",
        "RoleArn": "arn:aws:iam::123456789012:role/RenderRole",
        "RedriveCount": 0,
    }
    assert ctx["StateMachine"] == {
        "Id": "arn:aws:states:sa-east-1:123456789012:stateMachine:Render",
        "Name": "Render",
    }
    assert ctx["State"]["Name"] == "TestState"
    assert ISO_MS.match(ctx["State"]["EnteredTime"])


def test_given_no_execution_details_then_the_context_still_names_the_execution() -> None:
    ctx = single({"Type": "Pass", "Parameters": {"ctx.$": "$$"}}).execute({}, execution_id="j-9")[
        "ctx"
    ]
    assert ctx["Execution"]["Name"] == "j-9"
    assert ctx["Execution"]["Id"].endswith(":j-9")
    assert ISO_MS.match(ctx["Execution"]["StartTime"])
    assert ctx["StateMachine"]["Id"].split(":")[-1] == ctx["StateMachine"]["Name"]


def test_given_a_map_iteration_then_state_names_the_inner_state_and_map_gives_the_item() -> None:
    sm = single(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "StartAt": "Inner",
                "States": {
                    "Inner": {
                        "Type": "Pass",
                        "Parameters": {"state.$": "$$.State.Name", "item.$": "$$.Map.Item"},
                        "End": True,
                    }
                },
            },
        }
    )
    assert sm.execute({"items": ["a", "b"]}) == [
        {"state": "Inner", "item": {"Index": 0, "Value": "a"}},
        {"state": "Inner", "item": {"Index": 1, "Value": "b"}},
    ]


# --- choice rules -------------------------------------------------------------------------------
def choice(rule: dict[str, Any]) -> StateMachine:
    return machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{**rule, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Pass", "Result": True, "End": True},
            "No": {"Type": "Pass", "Result": False, "End": True},
        }
    )


@pytest.mark.parametrize(
    ("operator", "expected", "value", "matches"),
    [
        ("BooleanEquals", True, True, True),
        ("BooleanEquals", True, 1, False),
        ("BooleanEquals", False, 0, False),
        ("NumericEquals", 1, True, False),
        ("NumericEquals", 0, False, False),
        ("NumericEquals", 1, 1.0, True),
        ("NumericEquals", 0, 0.0, True),
        ("NumericEquals", 0, "0", False),
        ("NumericEquals", 0, None, False),
        ("StringEquals", "1", 1, False),
        ("NumericGreaterThan", 0, "1", False),
        ("NumericGreaterThan", 0, True, False),
        ("NumericGreaterThanEquals", 1, 1, True),
        ("NumericGreaterThanEquals", 1, 0.5, False),
        ("NumericLessThanEquals", 1, 1, True),
        ("StringLessThan", "b", "a", True),
        ("StringGreaterThanEquals", "b", "b", True),
        ("StringMatches", "log-*.txt", "log-2026.txt", True),
        ("StringMatches", "log-*.txt", "log-2026.csv", False),
        ("StringMatches", "a\\*", "a*", True),
        ("StringMatches", "a\\*", "ab", False),
    ],
)
def test_given_a_comparison_then_types_must_match_as_on_aws(
    operator: str, expected: Any, value: Any, matches: bool
) -> None:
    assert choice({"Variable": "$.v", operator: expected}).execute({"v": value}) is matches


@pytest.mark.parametrize(
    ("operator", "left", "right", "matches"),
    [
        ("NumericGreaterThanEqualsPath", 2, 2, True),
        ("NumericGreaterThanEqualsPath", 1, 2, False),
        ("NumericLessThanPath", 1, 2, True),
        ("NumericEqualsPath", True, 1, False),
        ("StringEqualsPath", "x", "x", True),
        ("BooleanEqualsPath", True, True, True),
    ],
)
def test_given_a_path_comparison_then_both_sides_come_from_the_input(
    operator: str, left: Any, right: Any, matches: bool
) -> None:
    rule = {"Variable": "$.left", operator: "$.right"}
    assert choice(rule).execute({"left": left, "right": right}) is matches


# --- intrinsic functions ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", " "])
def test_given_an_empty_string_then_string_to_json_is_null(text: str) -> None:
    assert call_intrinsic("States.StringToJson($.s)", {"s": text}, {}) is None


def test_given_text_that_is_not_json_then_string_to_json_fails_as_an_intrinsic_failure() -> None:
    states = {
        "P": {
            "Type": "Task",
            "Resource": "r",
            "Parameters": {"v.$": "States.StringToJson($.s)"},
            "Next": "Done",
            "Catch": [{"ErrorEquals": ["States.IntrinsicFailure"], "Next": "Caught"}],
        },
        "Done": {"Type": "Succeed"},
        "Caught": {"Type": "Pass", "End": True},
    }
    out = machine(states, {"r": lambda p: p}).execute({"s": "{not json"})
    assert out["Error"] == "States.IntrinsicFailure" and "not JSON" in out["Cause"]


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ({"Arg1": 1, "Arg2": []}, "{Arg1=1, Arg2=[]}"),
        ([1, 2], "[1, 2]"),
        ({"Id": "arn:x", "Name": "n"}, "{Id=arn:x, Name=n}"),
        (["a", None, True, 1.1], "[a, null, true, 1.1]"),
        ('{"Arg1": 1}', '{"Arg1": 1}'),
        (None, "null"),
        (1, "1"),
        (1.1, "1.1"),
        ("", ""),
    ],
)
def test_given_values_of_every_type_then_format_renders_them_as_aws_does(
    value: Any, rendered: str
) -> None:
    result = call_intrinsic("States.Format('<{}>', $.v)", {"v": value}, {})
    assert result == f"<{rendered}>"


def test_given_escaped_braces_and_quotes_then_format_keeps_them_literal() -> None:
    expression = r"States.Format('\{{}\} it\'s', $.v)"
    assert call_intrinsic(expression, {"v": 7}, {}) == "{7} it's"


def test_given_array_length_and_get_item_then_they_evaluate() -> None:
    data = {"a": ["x", "y", "z"], "i": 1}
    assert call_intrinsic("States.ArrayLength($.a)", data, {}) == 3
    assert call_intrinsic("States.ArrayGetItem($.a, $.i)", data, {}) == "y"
    assert call_intrinsic("States.ArrayGetItem($.a, 2)", data, {}) == "z"
    with pytest.raises(StatesError) as failed:
        call_intrinsic("States.ArrayGetItem($.a, 5)", data, {})
    assert failed.value.error == "States.IntrinsicFailure"


# --- Fail ---------------------------------------------------------------------------------------
def test_given_a_fail_state_without_error_or_cause_then_the_execution_reports_none() -> None:
    with pytest.raises(ExecutionFailed) as failed:
        machine({"TestState": {"Type": "Fail"}}).execute({})
    assert (failed.value.error, failed.value.cause) == (None, None)


# --- errors Catch cannot see --------------------------------------------------------------------
def test_given_a_missing_path_then_states_runtime_fails_the_execution_past_states_all() -> None:
    states = {
        "P": {
            "Type": "Task",
            "Resource": "r",
            "InputPath": "$.missing",
            "Next": "Done",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        },
        "Done": {"Type": "Succeed"},
        "Caught": {"Type": "Pass", "End": True},
    }
    with pytest.raises(ExecutionFailed) as failed:
        machine(states, {"r": lambda p: p}).execute({})
    assert failed.value.error == "States.Runtime"


def test_given_a_task_over_its_timeout_then_states_timeout_is_raised_and_caught() -> None:
    import threading

    release = threading.Event()
    states = {
        "T": {
            "Type": "Task",
            "Resource": "slow",
            "TimeoutSeconds": 1,
            "Next": "Done",
            "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.e", "Next": "Late"}],
        },
        "Done": {"Type": "Succeed"},
        "Late": {"Type": "Pass", "End": True},
    }
    try:
        out = machine(states, {"slow": lambda _p: release.wait(10)}).execute({})
    finally:
        release.set()
    assert out["e"]["Error"] == "States.Timeout"


# --- refused at load ----------------------------------------------------------------------------
LOAD_REFUSALS: list[tuple[str, dict[str, Any]]] = [
    ("States.Hash", {"Type": "Pass", "Parameters": {"h.$": "States.Hash($.a, 'SHA-1')"}}),
    (
        "States.MathRandom",
        {"Type": "Task", "Resource": "r", "ResultSelector": {"n.$": "States.MathRandom(1, 9)"}},
    ),
    (
        "States.ArrayUnique",
        {
            "Type": "Map",
            "ItemSelector": {"u.$": "States.ArrayUnique($.a)"},
            "ItemProcessor": {"StartAt": "S", "States": {"S": {"Type": "Succeed"}}},
        },
    ),
    (
        "nested States.Base64Encode",
        {"Type": "Pass", "Parameters": {"s.$": "States.Format('{}', States.Base64Encode($.a))"}},
    ),
    (
        "inside a Map's states",
        {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "S",
                "States": {
                    "S": {
                        "Type": "Pass",
                        "Parameters": {"x.$": "States.JsonMerge($.a, $.b, false)"},
                        "End": True,
                    }
                },
            },
        },
    ),
    (
        "inside a Parallel branch",
        {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "S",
                    "States": {
                        "S": {
                            "Type": "Pass",
                            "Parameters": {"x.$": "States.StringSplit($.a, ',')"},
                            "End": True,
                        }
                    },
                }
            ],
        },
    ),
    ("wrong argument count", {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.a, 1)"}}),
    ("unparseable intrinsic", {"Type": "Pass", "Parameters": {"n.$": "States.Format('{}'"}}),
    ("bad path", {"Type": "Pass", "Parameters": {"n.$": "$.a[x]"}}),
    ("not a path", {"Type": "Pass", "Parameters": {"n.$": "a.b"}}),
    ("bad InputPath", {"Type": "Pass", "InputPath": "a"}),
    ("ResultPath into an array", {"Type": "Pass", "ResultPath": "$.a[0]"}),
    ("HeartbeatSeconds", {"Type": "Task", "Resource": "r", "HeartbeatSeconds": 5}),
]


@pytest.mark.parametrize(("why", "state"), LOAD_REFUSALS, ids=[w for w, _ in LOAD_REFUSALS])
def test_given_an_unsupported_feature_anywhere_then_it_is_refused_at_load(
    why: str, state: dict[str, Any]
) -> None:
    with pytest.raises(StateMachineError):
        single(state)


CHOICE_REFUSALS: list[tuple[str, dict[str, Any]]] = [
    ("TimestampEquals", {"Variable": "$.t", "TimestampEquals": "2026-01-01T00:00:00Z"}),
    ("IsTimestamp", {"Variable": "$.t", "IsTimestamp": True}),
    ("nested unsupported", {"And": [{"Variable": "$.a", "TimestampLessThanPath": "$.b"}]}),
    ("no operator", {"Variable": "$.a"}),
    ("two operators", {"Variable": "$.a", "IsNull": True, "IsPresent": True}),
    ("no variable", {"StringEquals": "x"}),
    ("wrong literal type", {"Variable": "$.a", "NumericEquals": "1"}),
    ("Next inside And", {"And": [{"Variable": "$.a", "IsNull": True, "Next": "Yes"}]}),
    ("bad Variable path", {"Variable": "$.a[", "IsNull": True}),
    ("empty And", {"And": []}),
]


@pytest.mark.parametrize(("why", "rule"), CHOICE_REFUSALS, ids=[w for w, _ in CHOICE_REFUSALS])
def test_given_an_unsupported_choice_rule_then_it_is_refused_at_load(
    why: str, rule: dict[str, Any]
) -> None:
    with pytest.raises(StateMachineError):
        choice(rule)
