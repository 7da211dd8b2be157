"""The splice of a few sorted rows into a large sorted frame gives what a full sort gives."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from checkpoint_lambda.domain.sorted_splice import can_splice, splice_sorted

ORDER = ["t", "k"]
rows = st.lists(st.tuples(st.integers(0, 20), st.text("ab", max_size=2)), max_size=40)


def frame(values: list[tuple[int, str]]) -> pl.DataFrame:
    return pl.DataFrame(values, schema={"t": pl.Int64, "k": pl.String}, orient="row").sort(ORDER)


@given(held=rows, new=rows)
def test_a_splice_equals_a_full_sort(held: list[tuple[int, str]], new: list[tuple[int, str]]) -> None:
    """Ties on the first order column are placed by the others, exactly as sorting everything would."""
    spliced = splice_sorted(frame(held), frame(new), ORDER)
    assert spliced.equals(pl.concat([frame(held), frame(new)]).sort(ORDER))


def test_the_held_frame_is_not_copied() -> None:
    held = frame([(i, "a") for i in range(1000)])
    spliced = splice_sorted(held, frame([(500, "b")]), ORDER)
    assert spliced.height == 1001
    assert spliced.n_chunks() > 1  # slices of the original, not a rechunked copy


def test_frames_with_nulls_or_unsorted_cannot_be_spliced() -> None:
    assert can_splice(frame([(1, "a"), (2, "b")]), ORDER)
    assert not can_splice(pl.DataFrame({"t": [2, 1], "k": ["a", "b"]}), ORDER)
    assert not can_splice(pl.DataFrame({"t": [1, 2], "k": ["a", None]}), ORDER)
