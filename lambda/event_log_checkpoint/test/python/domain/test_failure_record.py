"""The failure record: which verdicts survive a run, a concurrent run, and a round trip through JSON."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpoint_lambda.domain.events import FileFailure
from checkpoint_lambda.domain.failure_record import FailureRecord, ListingScope


def failure(key: str, etag: str = '"1"', reason: str = "malformed JSON") -> FileFailure:
    return FileFailure(key, etag, reason)


def record(*failures: FileFailure, skipped: tuple[FileFailure, ...] = ()) -> FailureRecord:
    return FailureRecord({f.key: f for f in failures}, {f.key: f for f in skipped})


def test_new_verdicts_are_added_and_listed_entries_with_the_same_etag_stay() -> None:
    before = record(failure("a/1"))
    after = before.updated(ListingScope("a/", {"a/1": '"1"', "a/2": '"2"'}), [failure("a/2", '"2"')])
    assert sorted(after.failures) == ["a/1", "a/2"]


def test_a_rewritten_or_deleted_file_leaves_the_record() -> None:
    before = record(failure("a/rewritten"), failure("a/deleted"))
    after = before.updated(ListingScope("a/", {"a/rewritten": '"2"'}))
    assert after.failures == {}


def test_entries_outside_the_runs_prefix_are_kept() -> None:
    before = record(failure("b/bad"), skipped=(failure("b/sandbox", reason="sandbox"),))
    after = before.updated(ListingScope("a/", {"a/ok": '"1"'}))
    assert after == before


def test_after_a_lost_race_the_other_runs_new_entries_stay_and_ours_win() -> None:
    seen_before = record(failure("a/deleted"))
    theirs = record(failure("a/deleted"), failure("a/new-since-our-listing"), failure("a/mine", reason="theirs"))
    ours = record(failure("a/mine", reason="ours"))
    combined = theirs.reconciled(ours, ListingScope("a/", {"a/mine": '"1"'}), seen_before)
    assert sorted(combined.failures) == ["a/mine", "a/new-since-our-listing"]
    assert combined.failures["a/mine"].reason == "ours"


def test_versions_are_every_failed_and_skipped_key_and_etag() -> None:
    both = record(failure("a/1", '"x"'), skipped=(failure("a/2", '"y"'),))
    assert both.versions() == {("a/1", '"x"'), ("a/2", '"y"')}


keys = st.from_regex(r"[ab]/[a-z0-9/ ._-]{1,12}", fullmatch=True)
entries = st.builds(failure, keys, st.from_regex(r'"[0-9a-f]{4}"', fullmatch=True), st.text(max_size=30))


@given(failures=st.lists(entries, max_size=8), skipped=st.lists(entries, max_size=4))
def test_json_round_trip_keeps_every_entry(failures: list[FileFailure], skipped: list[FileFailure]) -> None:
    """to_json then from_json gives back an equal record, whatever the keys and reasons hold."""
    original = record(*failures, skipped=tuple(skipped))
    assert FailureRecord.from_json(original.to_json()) == original


@pytest.mark.parametrize(
    "data",
    [b"[]", b'{"version": 2}', b'{"version": 1, "failures": [{"key": "k"}]}', b"\xff", b"{"],
)
def test_anything_else_is_not_a_failure_record(data: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every malformed body is the same ValueError to the store
        FailureRecord.from_json(data)
