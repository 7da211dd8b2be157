"""`compare` against a reference-format tree built here: identity matching, per-group and total counts, lost
events by month, reference-only events with their fields, --json, and foreign reference files refused."""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from analytics.reference_trees import as_reference, write_local_reference, write_s3_reference
from analytics.samples import mixed_sample_checkpoint
from analytics.trees import HIVE_SHAPE, write_s3_tree
from checkpoint_analytics.compare import compare
from checkpoint_analytics.compare_checkpoints import compare_checkpoints
from checkpoint_analytics.compare_cli import add_arguments, run
from checkpoint_analytics.errors import ForeignReference
from checkpoint_analytics.keys import IDENTITY_COLUMNS
from checkpoint_analytics.versions import current_events
from checkpoint_lambda.adapters.s3 import S3Connector

MARCH = (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC))
IDENTITY = list(IDENTITY_COLUMNS)


def lossy_reference(ours: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The reference as it would be: a few of our events lost, one it has that we lack, dvcid half upper case.

    Returns (reference rows, the lost identities, the reference-only row).
    """
    reference = as_reference(ours)
    in_march = pl.col("timestamp").is_between(*MARCH, closed="left")
    lost = pl.concat(
        [
            reference.filter(in_march & (pl.col("study") == "adrc") & (pl.col("datatype") == "form")).head(3),
            reference.filter(~in_march & (pl.col("study") == "dvcid")).head(2),
        ]
    )
    extra = reference.head(1).with_columns(ptid=pl.lit("999999"))
    kept = reference.join(lost.select(IDENTITY), on=IDENTITY, how="anti", nulls_equal=True)
    upper = (pl.col("study") == "dvcid") & (pl.int_range(pl.len()) % 2 == 0)
    kept = kept.with_columns(pl.when(upper).then(pl.lit("DVCID")).otherwise(pl.col("study")).alias("study"))
    duplicate = kept.tail(1)  # the same event twice: counted once
    return pl.concat([kept, extra, duplicate]), lost, extra


def test_a_local_reference_against_a_local_checkpoint(tmp_path: Path) -> None:
    ours = mixed_sample_checkpoint()
    reference, lost, extra = lossy_reference(ours)
    prefix = write_local_reference(reference, tmp_path)
    assert (tmp_path / "prod/checkpoints/DVCID/form/events.parquet").is_file()
    assert (tmp_path / "prod/checkpoints/dvcid/form/events.parquet").is_file()
    checkpoint = tmp_path / "ours.parquet"
    ours.write_parquet(checkpoint)

    result = compare(prefix, str(checkpoint)).as_json()
    events = current_events(ours.lazy()).collect().height
    assert result["reference_files"] == 4
    assert result["checkpoint_events"] == events
    assert result["reference_events"] == events - lost.height + 1
    assert (result["in_both"], result["only_in_checkpoint"], result["only_in_reference"]) == (events - 5, 5, 1)
    lost_months = lost.select(pl.col("timestamp").dt.strftime("%Y-%m")).to_series().value_counts().sort("timestamp")
    assert result["only_in_checkpoint_by_month"] == dict(lost_months.iter_rows())
    groups = {(g["study"], g["datatype"]): g for g in result["groups"]}
    assert sorted(groups) == [("adrc", "dicom"), ("adrc", "form"), ("dvcid", "form")]  # DVCID is dvcid
    assert groups[("dvcid", "form")]["only_in_checkpoint"] == 2
    assert groups[("adrc", "form")]["only_in_checkpoint"] == 3
    assert groups[("adrc", "form")]["only_in_checkpoint_by_month"] == {"2024-03": 3}
    assert groups[("adrc", "dicom")]["only_in_checkpoint"] == 0
    for name in ("reference_events", "checkpoint_events", "in_both", "only_in_checkpoint", "only_in_reference"):
        assert sum(g[name] for g in result["groups"]) == result[name]
    [only] = result["only_in_reference_events"]
    assert only["ptid"] == "999999"
    assert only["reference_file"].endswith(
        f"prod/checkpoints/{extra['study'][0]}/{extra['datatype'][0]}/events.parquet"
    )
    assert only["timestamp"] == extra["timestamp"][0].isoformat()
    assert set(only) == {*reference.columns, "reference_file"}


def test_a_reference_on_s3_against_a_template_checkpoint_on_s3(  # type: ignore[no-untyped-def]
    connector: S3Connector, s3_client, bucket: str
) -> None:
    ours = mixed_sample_checkpoint()
    reference, lost, _ = lossy_reference(ours)
    prefix = write_s3_reference(reference, s3_client, bucket)
    template = write_s3_tree(ours, s3_client, bucket, "v2/" + HIVE_SHAPE)
    result = compare(prefix, template, connector)
    assert result.totals()["only_in_checkpoint"] == lost.height
    assert result.totals()["only_in_reference"] == 1
    assert result.reference_files == 4  # the v2 tree is not under the reference's prefix


def test_the_command_prints_tables_or_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = mixed_sample_checkpoint()
    reference, lost, _ = lossy_reference(ours)
    prefix = write_local_reference(reference, tmp_path)
    checkpoint = tmp_path / "ours.parquet"
    ours.write_parquet(checkpoint)
    parser = argparse.ArgumentParser()
    add_arguments(parser)

    assert run(parser.parse_args(["--reference", prefix, "--checkpoint", str(checkpoint), "--json"])) == 0
    document = json.loads(capsys.readouterr().out)
    required = {"reference_events", "checkpoint_events", "in_both", "only_in_checkpoint", "only_in_reference", "groups"}
    assert required <= set(document)
    assert document["only_in_checkpoint"] == lost.height

    assert run(parser.parse_args(["--reference", prefix, "--checkpoint", str(checkpoint)])) == 0
    text = capsys.readouterr().out
    assert f"only in the checkpoint (the reference lost them): {lost.height}" in text
    assert "only in the reference (expected none): 1" in text
    assert "999999" in text
    assert "│ total " in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (pl.col("pipeline_adcid").cast(pl.Int64), "column pipeline_adcid is Int64 (expected Int32)"),
        (
            pl.col("timestamp").dt.replace_time_zone(None),
            "column timestamp is Datetime(time_unit='us', time_zone=None) (expected a Datetime with a time zone",
        ),
        (pl.lit("x").alias("source_key"), "column source_key is not a reference column"),
    ],
)
def test_a_foreign_reference_file_is_an_error_naming_file_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: pl.Expr, message: str
) -> None:
    ours = mixed_sample_checkpoint()
    prefix = write_local_reference(as_reference(ours), tmp_path)
    foreign = Path(prefix) / "adrc" / "form" / "events.parquet"
    pl.read_parquet(foreign).with_columns(change).write_parquet(foreign)
    checkpoint = tmp_path / "ours.parquet"
    ours.write_parquet(checkpoint)
    with pytest.raises(ForeignReference, match=re.escape(f"{foreign} is not a reference checkpoint file: {message}")):
        compare(prefix, str(checkpoint))
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["--reference", prefix, "--checkpoint", str(checkpoint)])) == 2
    assert capsys.readouterr().err.startswith(f"compare: {foreign} is not a reference checkpoint file")


def test_a_missing_column_and_a_bad_visit_date_are_named(tmp_path: Path) -> None:
    ours = mixed_sample_checkpoint()
    checkpoint = tmp_path / "ours.parquet"
    ours.write_parquet(checkpoint)
    prefix = write_local_reference(as_reference(ours), tmp_path)
    foreign = Path(prefix) / "adrc" / "form" / "events.parquet"
    rows = pl.read_parquet(foreign)
    rows.drop("packet").write_parquet(foreign)
    with pytest.raises(ForeignReference, match="column packet is missing"):
        compare(prefix, str(checkpoint))
    rows.with_columns(visit_date=pl.lit("03/01/2024")).write_parquet(foreign)
    with pytest.raises(ForeignReference, match=re.escape(f"{foreign}: column visit_date holds '03/01/2024'")):
        compare(prefix, str(checkpoint))


@pytest.mark.parametrize("unit", ["ns", "ms", "s"])
@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "UTC"])
def test_reference_timestamps_of_any_unit_and_zone_match_as_the_same_instants(
    tmp_path: Path, unit: str, zone: str
) -> None:
    ours = mixed_sample_checkpoint()
    reference, lost, _ = lossy_reference(ours)
    converted = reference.with_columns(
        pl.col("timestamp").dt.cast_time_unit("ns" if unit == "ns" else "ms").dt.convert_time_zone(zone)
    )
    if unit == "s":  # parquet has no seconds unit: a writer stores them as ms; polars reads them back so
        converted = converted.with_columns(pl.col("timestamp").dt.truncate("1s"))
    prefix = write_local_reference(converted, tmp_path)
    stored = pl.read_parquet_schema(Path(prefix) / "adrc" / "form" / "events.parquet")["timestamp"]
    assert stored != pl.Datetime("us", "UTC")
    checkpoint = tmp_path / "ours.parquet"
    ours.write_parquet(checkpoint)
    result = compare(prefix, str(checkpoint)).as_json()
    assert (result["only_in_checkpoint"], result["only_in_reference"]) == (lost.height, 1)
    [only] = result["only_in_reference_events"]
    assert only["timestamp"].endswith("+00:00")


def test_two_checkpoints_compare_row_by_row_and_name_each_differing_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = mixed_sample_checkpoint()
    first, second = tmp_path / "first.parquet", tmp_path / "second" / "second.parquet"
    ours.write_parquet(first)
    second.parent.mkdir()
    changed = ours.with_columns(
        packet=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("Z")).otherwise(pl.col("packet"))
    )
    changed.tail(-1).vstack(changed.head(1)).filter(pl.int_range(pl.len()) != 5).write_parquet(second)
    result = compare_checkpoints(str(first), str(second))
    assert result.totals()["only_in_first"] == 2  # the changed row and the dropped one
    assert (result.totals()["only_in_second"], result.differences) == (1, 3)
    assert set(result.differing.get_column("side")) == {"first", "second"}
    assert compare_checkpoints(str(first), str(first)).differences == 0
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["--other-checkpoint", str(first), "--checkpoint", str(second), "--json"])) == 0
    assert json.loads(capsys.readouterr().out)["differences"] == 3
    assert run(parser.parse_args(["--other-checkpoint", str(first), "--checkpoint", str(second)])) == 0
    text = capsys.readouterr().out
    assert "differences: 3" in text
    assert "only in second: prod/log-" in text
