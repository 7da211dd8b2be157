"""Key templates: which are accepted, their fixed prefix, and keys to and from (study, datatype)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpoint_lambda.domain.events import Datatype
from checkpoint_lambda.domain.key_template import InvalidKeyTemplate, KeyTemplate
from checkpoint_lambda.domain.layout import PerGroup, SingleObject

REFERENCE = "prod/checkpoints/{study}/{datatype}/events.parquet"
HIVE = "checkpoints/study={study}/datatype={datatype}/events.parquet"


@pytest.mark.parametrize(
    ("text", "prefix", "failure_record"),
    [
        (REFERENCE, "prod/checkpoints/", "prod/checkpoints_failures/events.json"),
        (HIVE, "checkpoints/", "checkpoints_failures/events.json"),
        ("a/b/{datatype}-x/{study}/c.parquet", "a/b/", "a/b_failures/c.json"),
    ],
)
def test_templates_give_their_fixed_prefix_and_a_failure_record_outside_it(
    text: str, prefix: str, failure_record: str
) -> None:
    layout = PerGroup(KeyTemplate.parse(text))
    assert layout.template.fixed_prefix == prefix
    assert layout.failure_record_key == failure_record
    assert not layout.failure_record_key.startswith(prefix)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("checkpoints/{study}/events.parquet", r"\{datatype\} must appear exactly once"),
        ("checkpoints/{study}/{study}/{datatype}/e.parquet", r"\{study\} must appear exactly once"),
        ("checkpoints/{study}/{datatype}/{month}/e.parquet", "unknown placeholder"),
        ("checkpoints/{study}/{datatype}.parquet", "file name must be fixed"),
        ("{study}/{datatype}/events.parquet", "fixed folder"),
        ("checkpoints/{study/{datatype}/e.parquet", "unbalanced|unknown"),
        ("checkpoints//{study}/{datatype}/e.parquet", "empty path segment"),
    ],
)
def test_templates_that_cannot_name_one_object_per_group_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidKeyTemplate, match=message):
        KeyTemplate.parse(text)


studies = st.from_regex(r"[a-z0-9=._-]{1,10}", fullmatch=True).filter(lambda s: s not in {".", ".."})


@given(study=studies, datatype=st.sampled_from([d.value for d in Datatype]), text=st.sampled_from([REFERENCE, HIVE]))
def test_a_groups_key_matches_back_to_its_group(study: str, datatype: str, text: str) -> None:
    """key_for and match are inverse: the key of (study, datatype) is recognised as that group's."""
    template = KeyTemplate.parse(text)
    key = template.key_for(study, datatype)
    assert key.startswith(template.fixed_prefix)
    assert template.match(key) == (study, datatype)


def test_other_keys_under_the_prefix_are_no_group() -> None:
    template = KeyTemplate.parse(REFERENCE)
    for key in ("prod/checkpoints/adrc/form/other.parquet", "prod/checkpoints/adrc/events.parquet", "prod/x"):
        assert template.match(key) is None


def test_the_single_object_layout_keeps_its_failure_record_beside_the_folder() -> None:
    assert SingleObject("a/events/checkpoint.parquet").failure_record_key == "a/events_failures/checkpoint.json"
    assert SingleObject("checkpoint.parquet").failure_record_key == "checkpoint_failures.json"
