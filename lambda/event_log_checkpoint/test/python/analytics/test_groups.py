"""A template location: every group file under its prefix, or one study's or datatype's, locally and on S3."""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from polars.testing import assert_frame_equal

from analytics.samples import mixed_sample_checkpoint
from analytics.strategies import checkpoint_frames
from analytics.trees import HIVE_SHAPE, REFERENCE_SHAPE, write_local_tree, write_s3_tree
from checkpoint_analytics.errors import CheckpointNotFound, InvalidLocation, NotACheckpoint
from checkpoint_analytics.groups import group_files, parse_template
from checkpoint_analytics.load import load_checkpoint
from checkpoint_analytics.report import run_report
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.domain.schema import ORDER_COLUMNS
from profiles import examples


@settings(max_examples=examples(20), deadline=None)
@given(checkpoint_frames(max_events=30))
def test_a_tree_of_group_files_loads_as_the_same_rows(frame: pl.DataFrame) -> None:
    """Property: splitting a checkpoint into group files (either path shape) and loading the template gives
    the same rows; a study or datatype filter gives that part of them."""
    import tempfile  # noqa: PLC0415 - one folder per example

    for shape in (REFERENCE_SHAPE, HIVE_SHAPE):
        with tempfile.TemporaryDirectory() as tmp:
            template = write_local_tree(frame, Path(tmp), shape)
            if frame.is_empty():
                with pytest.raises(CheckpointNotFound, match="no group file matches"):
                    load_checkpoint(template)
                continue
            loaded = load_checkpoint(template).collect()
            assert_frame_equal(loaded.sort(ORDER_COLUMNS), frame.sort(ORDER_COLUMNS))
            study = frame["study"][0]
            if (frame["study"] == study).all():
                continue
            only = load_checkpoint(template, study=study.upper()).collect()
            assert_frame_equal(only.sort(ORDER_COLUMNS), frame.filter(pl.col("study") == study).sort(ORDER_COLUMNS))


def test_groups_are_found_by_listing_the_prefix_and_matching_the_template(tmp_path: Path) -> None:
    template = write_local_tree(mixed_sample_checkpoint(), tmp_path)
    (tmp_path / "checkpoints" / "adrc" / "form" / "notes.txt").write_text("not a group file")
    (tmp_path / "checkpoints" / "adrc" / "events.parquet").write_bytes(b"one folder short")
    found = group_files(template, None)
    assert [(g.study, g.datatype) for g in found] == [("adrc", "dicom"), ("adrc", "form"), ("dvcid", "form")]
    assert [(g.study, g.datatype) for g in group_files(template, None, datatype="form")] == [
        ("adrc", "form"),
        ("dvcid", "form"),
    ]


def test_the_report_reads_a_template_on_s3_filtered_by_study(  # type: ignore[no-untyped-def]
    connector: S3Connector, s3_client, bucket: str, tmp_path: Path
) -> None:
    frame = mixed_sample_checkpoint()
    template = write_s3_tree(frame, s3_client, bucket, HIVE_SHAPE)
    whole = load_checkpoint(template, connector).collect()
    assert_frame_equal(whole.sort(ORDER_COLUMNS), frame.sort(ORDER_COLUMNS))
    single = tmp_path / "single.parquet"
    frame.filter(pl.col("study") == "dvcid").write_parquet(single)
    by_study = run_report(template, "2024-03", tmp_path / "a", study="dvcid", connector=connector, out=io.StringIO())
    from_single = run_report(str(single), "2024-03", tmp_path / "b", out=io.StringIO())
    assert by_study.tables["volume_by_centre_module"]["center_label"].unique().to_list() == ["beta"]
    for name, table in from_single.tables.every_table().items():
        assert_frame_equal(by_study.tables[name], table)
    assert f"{template} study=dvcid" in by_study.html_path.read_text(encoding="utf-8")


def test_a_foreign_group_file_is_named(tmp_path: Path) -> None:
    template = write_local_tree(mixed_sample_checkpoint(), tmp_path)
    foreign = tmp_path / "checkpoints" / "zeta" / "form" / "events.parquet"
    foreign.parent.mkdir(parents=True)
    pl.DataFrame({"action": ["submit"]}).write_parquet(foreign)
    with pytest.raises(NotACheckpoint, match=f"{foreign} is not a checkpoint: missing columns"):
        load_checkpoint(template)


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("checkpoints/{study}/events.parquet", "{datatype} must appear exactly once"),
        ("checkpoints/{study}/{study}/{datatype}/x.parquet", "{study} must appear exactly once"),
        ("checkpoints/{study}/{datatype}/{centre}.parquet", "unknown placeholder(s) {centre}"),
        ("checkpoints/{study}/{datatype}.parquet", "the file name must be fixed"),
        ("{study}/{datatype}/events.parquet", "must start with a fixed folder"),
        ("s3://b/{study}/{datatype}/events.parquet", "must start with a fixed folder"),
    ],
)
def test_malformed_templates_are_refused_naming_the_problem(template: str, problem: str) -> None:
    with pytest.raises(InvalidLocation, match=re.escape(problem)):
        parse_template(template)
    with pytest.raises(InvalidLocation, match="is not a checkpoint template"):
        load_checkpoint(template)


def test_the_fixed_prefix_is_the_folder_before_the_first_field(tmp_path: Path) -> None:
    reference_shape = parse_template("s3://b/prod/checkpoints/{study}/{datatype}/events.parquet")
    assert (reference_shape.root, reference_shape.fixed_prefix) == ("s3://b/", "s3://b/prod/checkpoints/")
    hive = parse_template(f"{tmp_path}/out/checkpoints/study={{study}}/datatype={{datatype}}/e.parquet")
    assert (hive.root, hive.fixed_prefix) == (f"{tmp_path}/out/", f"{tmp_path}/out/checkpoints/")
    assert parse_template("./out//checkpoints/{study}/{datatype}/e.parquet").fixed_prefix == "out/checkpoints/"
