"""Which keys are event files, across the three name shapes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpoint_devtools.sample_log import event_key
from checkpoint_lambda.domain.event_keys import parse_event_key
from strategies import event_dicts

SPEC_EXAMPLES = [
    ("log-submit-20240115-100000-42-ingest-form-110001-2024-01-15.json", "submit", "ingest-form-110001-2024-01-15"),
    ("log-pass-qc-20240115-102000-42-ingest-form-110001-01.json", "pass-qc", "ingest-form-110001-01"),
    ("log-not-pass-qc-20240116.json", "not-pass-qc", None),
]


@pytest.mark.parametrize(("name", "rest"), [(name, rest) for name, _, rest in SPEC_EXAMPLES])
def test_spec_examples_match_with_their_project_hint(name: str, rest: str | None) -> None:
    hint = parse_event_key(f"prod/{name}")
    assert hint is not None
    assert hint.project_hint == rest


@pytest.mark.parametrize(
    "key",
    [
        "prod/.keep",
        "prod/checkpoint.parquet",
        "prod/log-submit.json",
        "prod/log-approve-20240115-100000-42-ingest-form-1-01.json",
        "prod/log-submit-2024011-100000-42-ingest-form-1-01.json",
        "prod/log-submit-20240115-100000-42-ingest-form-1-01.json.bak",
        "prod/notes/log-submit-20240115.txt",
        "prod/xlog-submit-20240115.json",
    ],
)
def test_other_objects_are_not_events(key: str) -> None:
    assert parse_event_key(key) is None


def test_sandbox_projects_are_recognised_by_name() -> None:
    hint = parse_event_key("prod/log-submit-20240115-100000-42-sandbox-form-110001-2024-01-15.json")
    assert hint is not None
    assert hint.is_sandbox
    assert not parse_event_key(f"prod/{SPEC_EXAMPLES[0][0]}").is_sandbox  # type: ignore[union-attr]


# A "/" in a ptid would make the producer's key a folder path; such names cannot exist as files.
slashless_events = event_dicts().filter(lambda e: "/" not in e["ptid"])


@given(
    event=slashless_events,
    shape=st.sampled_from(["current", "earlier", "legacy"]),
    prefix=st.sampled_from(["", "p/", "a/b/"]),
)
def test_every_producer_name_matches_with_its_project(event: dict[str, Any], shape: str, prefix: str) -> None:
    """Every name the producer writes, in any of the three shapes, is an event file; the full
    shapes hint at the project (so sandbox names are skipped without a GET), legacy names do not."""
    hint = parse_event_key(event_key(prefix, event, shape))
    assert hint is not None
    if shape == "legacy":
        assert hint.project_hint is None
    else:
        assert hint.project_hint is not None
        assert hint.project_hint.startswith(f"{event['project_label']}-")


@given(name=st.text(min_size=1, max_size=60).filter(lambda s: not s.startswith("log-") and "/" not in s))
def test_names_not_starting_with_log_never_match(name: str) -> None:
    assert parse_event_key(f"prod/{name}") is None
