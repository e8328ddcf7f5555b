"""Pure pieces of the cloud edge: event parsing, ids, encodings, config. No network."""

from __future__ import annotations

from decimal import Decimal

import pytest

from estudio.adapters.aws.authorizer import bearer_token
from estudio.adapters.aws.blobs import check_key
from estudio.adapters.aws.ingest import DropboxObject, dropbox_objects, job_id_for
from estudio.adapters.aws.items import from_dynamo, to_dynamo
from estudio.adapters.aws.orchestrator import execution_arn
from estudio.errors import InvalidOptions
from estudio.models import JobId
from estudio.ports import decode_cursor
from stacks.nag import flatten_cfn_reference
from tests.events.loader import load_event


def test_given_both_event_shapes_when_parsed_then_they_name_the_same_object() -> None:
    (from_s3,) = dropbox_objects(load_event("s3_object_created_dropbox"))
    (from_bridge,) = dropbox_objects(load_event("eventbridge_object_created_dropbox"))
    assert from_s3 == from_bridge
    assert from_s3.key == "dropbox/acme/Treinamento de Segurança.pptx"  # URL-decoded
    assert (from_s3.tenant, from_s3.is_deck) == ("acme", True)


def test_given_an_unrelated_event_when_parsed_then_invalid_options() -> None:
    with pytest.raises(InvalidOptions):
        dropbox_objects({"detail-type": "Scheduled Event", "source": "aws.events"})


@pytest.mark.parametrize(
    "key,deck",
    [
        ("dropbox/acme/a.pptx", True),
        ("dropbox/acme/sub/A.PPTX", True),
        ("dropbox/a.pptx", False),
        ("dropbox/acme/a.ppt", False),
        ("other/acme/a.pptx", False),
    ],
)
def test_given_keys_when_checked_then_only_tenant_decks_count(key: str, deck: bool) -> None:
    assert DropboxObject(bucket="b", key=key).is_deck is deck


def test_given_object_versions_when_deriving_job_ids_then_stable_valid_and_distinct() -> None:
    from pydantic import TypeAdapter

    one = DropboxObject(bucket="b", key="dropbox/acme/a.pptx", version_id="v1")
    again = DropboxObject(bucket="b", key="dropbox/acme/a.pptx", version_id="v1", size=3)
    other = DropboxObject(bucket="b", key="dropbox/acme/a.pptx", version_id="v2")
    assert job_id_for(one) == job_id_for(again) != job_id_for(other)
    assert TypeAdapter(JobId).validate_python(job_id_for(one)) == job_id_for(one)
    assert len(job_id_for(one)) <= 80  # a Step Functions execution name


def test_given_headers_when_reading_the_bearer_token_then_case_and_scheme_matter() -> None:
    assert bearer_token({"Authorization": "Bearer abc"}) == "abc"
    assert bearer_token({"authorization": "Bearer  abc "}) == "abc"
    assert bearer_token({"authorization": "Basic abc"}) is None
    assert bearer_token({"authorization": "Bearer "}) is None
    assert bearer_token(None) is None


def test_given_json_values_when_round_tripped_through_dynamo_types_then_equal() -> None:
    data = {"progress": 0.25, "count": 3, "nested": {"xs": [1.5, 2]}, "flag": True, "s": ""}
    stored = to_dynamo(data)
    assert stored["progress"] == Decimal("0.25")
    assert from_dynamo(stored) == data


def test_given_a_bad_cursor_when_decoded_then_invalid_options() -> None:
    with pytest.raises(InvalidOptions):
        decode_cursor("not-base64-json")


def test_given_a_state_machine_arn_when_naming_an_execution_then_its_arn_follows() -> None:
    machine = "arn:aws:states:sa-east-1:123456789012:stateMachine:Render-abc"
    assert execution_arn(machine, "job-1") == (
        "arn:aws:states:sa-east-1:123456789012:execution:Render-abc:job-1"
    )
    with pytest.raises(ValueError):
        execution_arn("arn:aws:lambda:sa-east-1:1:function:f", "job-1")


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a\\b"])
def test_given_unsafe_keys_when_checked_then_refused(key: str) -> None:
    with pytest.raises(InvalidOptions):
        check_key(key)


def test_given_cfn_references_when_flattened_then_as_cdk_nag_prints_them() -> None:
    joined = {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket1", "Arn"]}, "/dropbox/*"]]}
    assert flatten_cfn_reference(joined) == "<Bucket1.Arn>/dropbox/*"
    assert flatten_cfn_reference({"Ref": "AWS::Region"}) == "<AWS::Region>"
    assert flatten_cfn_reference({"Fn::ImportValue": "Stack:Export"}) == "Stack:Export"
    assert flatten_cfn_reference("arn:${AWS::Partition}:s3") == "arn:<AWS::Partition>:s3"
