"""Which listed versions a run fetches: exactly those neither held nor recorded, never by time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.events import FileFailure
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.domain.listing import ObjectInfo, select_unseen
from strategies import sourced_events

infos = st.builds(
    ObjectInfo,
    key=st.sampled_from([f"k{i}" for i in range(8)]),
    etag=st.sampled_from(['"a"', '"b"', '"c"']),
    last_modified=st.just(datetime(2024, 1, 1, tzinfo=UTC)),
    size=st.just(300),
)


@given(
    listed=st.lists(infos, unique_by=lambda i: i.key),
    held=st.lists(st.tuples(st.sampled_from([f"k{i}" for i in range(8)]), st.sampled_from(['"a"', '"b"']))),
    failed=st.lists(st.tuples(st.sampled_from([f"k{i}" for i in range(8)]), st.sampled_from(['"a"', '"c"']))),
    event=sourced_events(),
)
def test_selection_is_exactly_the_unseen_versions(
    listed: list[ObjectInfo], held: list[tuple[str, str]], failed: list[tuple[str, str]], event: Any
) -> None:
    """Not time: a version is fetched iff it is neither a row nor a recorded failure."""
    checkpoint = Checkpoint.from_events(
        [type(event)(event.event, k, e, event.source_last_modified) for k, e in set(held)]
    )
    record = FailureRecord({k: FileFailure(k, e, "bad") for k, e in failed})
    known = set(held) | {(f.key, f.etag) for f in record.failures.values()}
    selected = select_unseen(listed, checkpoint.dataframe, record)
    assert selected == [i for i in listed if (i.key, i.etag) not in known]


def test_nothing_listed_selects_nothing() -> None:
    assert select_unseen([], Checkpoint.empty().dataframe, FailureRecord()) == []
