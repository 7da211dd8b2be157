"""Two of this project's checkpoints, row by row: did a move between layouts (or buckets) keep every row?

Rows are compared whole (every column, the file version among them), not by event identity:
the earlier versions of rewritten keys must survive a move too. A row of one side that the
other side holds in its quarantine object (`quarantine.parquet` beside its failure record,
where a relayout puts rows the current rules cannot place) is counted as quarantined, not as
a difference. Either side is one object or a template, on S3 or local.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from checkpoint_analytics.errors import CheckpointNotFound
from checkpoint_analytics.groups import is_template, parse_template
from checkpoint_analytics.load import load_checkpoint
from checkpoint_analytics.storage import S3_SCHEME, is_s3, scan_parquet, split_s3_url
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.domain.layout import PerGroup, SingleObject
from checkpoint_lambda.domain.relayout_plan import quarantine_key
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS

ROW_COUNTS: Final = ("first_rows", "second_rows", "in_both", "only_in_first", "only_in_second", "quarantined")
GROUP: Final = ("study", "datatype")
#: Differing rows listed in the answer (the counts are exact).
LISTED: Final = 100
_COLUMNS = CHECKPOINT_SCHEMA.names()


@dataclass(frozen=True, slots=True)
class CheckpointComparison:
    """Row counts per (study, datatype) and in total, and the differing rows (at most LISTED)."""

    first: str
    second: str
    groups: pl.DataFrame  # study, datatype, ROW_COUNTS…
    differing: pl.DataFrame  # side, and the checkpoint's columns

    def totals(self) -> dict[str, int]:
        return {name: int(self.groups.get_column(name).sum()) for name in ROW_COUNTS}

    @property
    def differences(self) -> int:
        """Rows of either side the other holds neither as a row nor in its quarantine."""
        totals = self.totals()
        return totals["only_in_first"] + totals["only_in_second"]

    def as_json(self) -> dict[str, Any]:
        listed = self.differing.head(LISTED).select("side", "study", "datatype", "source_key", "source_etag")
        return {
            "first": self.first,
            "second": self.second,
            "differences": self.differences,
            **self.totals(),
            "groups": self.groups.to_dicts(),
            "differing_rows": listed.to_dicts(),
        }


def compare_checkpoints(first: str, second: str, connector: S3Connector | None = None) -> CheckpointComparison:
    """Reads both sides whole and their quarantine objects, and matches their rows."""
    ours = load_checkpoint(first, connector).collect()
    theirs = load_checkpoint(second, connector).collect()
    first_only = _missing_from(ours, theirs)
    second_only = _missing_from(theirs, ours)
    quarantined_first = _missing_from(first_only, quarantine_rows(second, connector), keep_found=True)
    quarantined_second = _missing_from(second_only, quarantine_rows(first, connector), keep_found=True)
    counts = [
        _count(ours, "first_rows"),
        _count(theirs, "second_rows"),
        _count(_missing_from(ours, first_only), "in_both"),
        _count(_missing_from(first_only, quarantined_first), "only_in_first"),
        _count(_missing_from(second_only, quarantined_second), "only_in_second"),
        _count(pl.concat([quarantined_first, quarantined_second]), "quarantined"),
    ]
    groups = pl.concat([frame.select(GROUP) for frame in counts]).unique()
    for frame in counts:
        groups = groups.join(frame, on=GROUP, how="left", nulls_equal=True)
    differing = pl.concat(
        [
            _missing_from(first_only, quarantined_first).select(pl.lit("first").alias("side"), *_COLUMNS),
            _missing_from(second_only, quarantined_second).select(pl.lit("second").alias("side"), *_COLUMNS),
        ]
    )
    differing = differing.sort(["side", *ORDER_COLUMNS])
    return CheckpointComparison(first, second, groups.fill_null(0).sort(GROUP), differing)


def quarantine_rows(location: str, connector: S3Connector | None) -> pl.DataFrame:
    """The checkpoint columns of the quarantine object beside `location`'s failure record (none: no rows)."""
    try:
        rows = scan_parquet(quarantine_location(location), connector).select(_COLUMNS).collect()
    except CheckpointNotFound:
        return pl.DataFrame(schema=CHECKPOINT_SCHEMA)
    return rows


def quarantine_location(location: str) -> str:
    """Where a relayout into `location` puts the rows it cannot place."""
    if is_template(location):
        parsed = parse_template(location)
        return parsed.root + quarantine_key(PerGroup(parsed.template))
    if is_s3(location):
        bucket, key = split_s3_url(location)
        return f"{S3_SCHEME}{bucket}/{quarantine_key(SingleObject(key))}"
    return quarantine_key(SingleObject(location))


def _missing_from(rows: pl.DataFrame, other: pl.DataFrame, *, keep_found: bool = False) -> pl.DataFrame:
    """Rows of `rows` that `other` does not hold (every column equal), or, with keep_found, those it does."""
    how: Any = "semi" if keep_found else "anti"
    return rows.join(other.select(_COLUMNS), on=_COLUMNS, how=how, nulls_equal=True)


def _count(rows: pl.DataFrame, name: str) -> pl.DataFrame:
    return rows.group_by(GROUP).agg(pl.len().cast(pl.Int64).alias(name))
