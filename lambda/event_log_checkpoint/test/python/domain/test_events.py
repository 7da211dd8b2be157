"""VisitEvent validation: unit cases, and the properties that one bad field rejects the event,
ADCIDs become ints, nulls stay null and JSON round-trips."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from builders import EXAMPLE, event_fields
from checkpoint_lambda.domain.events import VisitEvent
from strategies import event_dicts


def test_the_spec_example_is_valid_and_typed() -> None:
    event = VisitEvent.model_validate(EXAMPLE)
    assert event.pipeline_adcid == 42
    assert event.timestamp == datetime(2024, 1, 15, 10, 20, tzinfo=UTC)
    assert event.action == "pass-qc"


def test_timestamp_with_offset_is_stored_in_utc() -> None:
    event = VisitEvent.model_validate(event_fields(timestamp="2024-01-15T10:20:00-05:00"))
    assert event.timestamp == datetime(2024, 1, 15, 15, 20, tzinfo=UTC)
    assert event.timestamp.utcoffset() is not None


def test_study_defaults_to_adrc_and_is_lower_cased() -> None:
    assert VisitEvent.model_validate({k: v for k, v in EXAMPLE.items() if k != "study"}).study == "adrc"
    assert VisitEvent.model_validate(event_fields(study=" DVCID ")).study == "dvcid"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ptid": "has space"}, "ptid"),
        ({"ptid": "12345678901"}, "ptid"),
        ({"ptid": "ptid\u00e9"}, "ptid"),
        ({"ptid": ""}, "ptid"),
        ({"action": "approve"}, "action"),
        ({"datatype": "mri"}, "datatype"),
        ({"study": ""}, "study"),
        ({"visit_date": "2024-02-30"}, "visit_date"),
        ({"visit_date": "24-01-15"}, "visit_date"),
        ({"visit_date": "20240115"}, "visit_date"),
        ({"timestamp": "2024-01-15T10:20:00"}, "timestamp"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": 1705313400}, "timestamp"),
        ({"pipeline_adcid": 0}, "pipeline_adcid"),
        ({"pipeline_adcid": -3}, "pipeline_adcid"),
        ({"pipeline_adcid": 42.5}, "pipeline_adcid"),
        ({"pipeline_adcid": True}, "pipeline_adcid"),
        ({"pipeline_adcid": "4x2"}, "pipeline_adcid"),
        ({"pipeline_adcid": 2**63}, "pipeline_adcid"),
        ({"timestamp": "0001-01-01T00:00:00+01:00"}, "timestamp"),
        ({"timestamp": "9999-12-31T23:59:59-01:00"}, "timestamp"),
        ({"center_label": True}, "center_label"),
        ({"project_label": "  "}, "project_label"),
    ],
)
def test_bad_values_are_rejected_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        VisitEvent.model_validate(event_fields(**changes))
    assert field in {str(e["loc"][0]) for e in raised.value.errors() if e["loc"]}


def test_module_is_required_for_forms_and_forbidden_otherwise() -> None:
    with pytest.raises(ValidationError, match="module is required"):
        VisitEvent.model_validate(event_fields(module=None))
    with pytest.raises(ValidationError, match="module must be null"):
        VisitEvent.model_validate(event_fields(datatype="dicom"))
    assert VisitEvent.model_validate(event_fields(datatype="dicom", module=None)).module is None


def test_extra_fields_are_kept_aside_not_validated() -> None:
    event = VisitEvent.model_validate(event_fields(extra_field={"any": ["shape"]}))
    assert event.model_extra == {"extra_field": {"any": ["shape"]}}
    assert "extra_field" not in VisitEvent.model_fields


REQUIRED = ["action", "pipeline_adcid", "project_label", "center_label", "gear_name", "ptid", "visit_date"]


@pytest.mark.parametrize("field", [*REQUIRED, "datatype", "timestamp"])
def test_each_required_field_missing_is_rejected(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        VisitEvent.model_validate({k: v for k, v in EXAMPLE.items() if k != field})


# Validation enforcement: any valid event made invalid in one field is rejected.
BAD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "ptid": st.from_regex(r"[!-~]{11,14}", fullmatch=True) | st.just("a b") | st.just(""),
    "action": st.text(min_size=1).filter(lambda s: s not in {"submit", "pass-qc", "not-pass-qc", "delete"}),
    "visit_date": st.sampled_from(["2023-02-29", "2024-13-01", "01/15/2024", "2024-1-5", ""]),
    "timestamp": st.sampled_from(["2024-01-15T10:20:00", "2024-01-15", "not a time", ""]) | st.integers(),
    "pipeline_adcid": st.integers(max_value=0) | st.booleans() | st.just(1.5),
    "datatype": st.text().filter(lambda s: s.strip() not in {"form", "dicom", "apoe", "biomarker", "gwas"}),
    "center_label": st.just("") | st.just("   ") | st.integers(),
}


@given(event=event_dicts(), data=st.data())
def test_one_bad_field_makes_the_event_invalid(event: dict[str, Any], data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(sorted(BAD_VALUES)))
    event[field] = data.draw(BAD_VALUES[field])
    with pytest.raises(ValidationError):
        VisitEvent.model_validate(event)


@given(event=event_dicts(), as_text=st.booleans())
def test_adcid_becomes_int(event: dict[str, Any], as_text: bool) -> None:
    expected = event["pipeline_adcid"]
    if as_text:
        event["pipeline_adcid"] = str(expected)
    parsed = VisitEvent.model_validate(event)
    assert type(parsed.pipeline_adcid) is int
    assert parsed.pipeline_adcid == expected


@given(event=event_dicts(visit_number=None, packet=None))
def test_nulls_stay_null(event: dict[str, Any]) -> None:
    parsed = VisitEvent.model_validate(event)
    assert parsed.visit_number is None
    assert parsed.packet is None
    without = {k: v for k, v in event.items() if k not in {"visit_number", "packet"}}
    assert VisitEvent.model_validate(without) == parsed


@given(event=event_dicts())
def test_json_round_trip(event: dict[str, Any]) -> None:
    parsed = VisitEvent.model_validate(event)
    assert VisitEvent.model_validate_json(parsed.model_dump_json()) == parsed
