"""The relayout command end to end on moto's server, in all three directions, from checkpoints
holding rewritten keys' earlier versions and rows the current rules cannot place (1.0.0's rows)."""

from __future__ import annotations

import argparse
import io
import json
from typing import Any

import polars as pl
import pytest

from builders import event_file, with_fields
from checkpoint_analytics.compare_checkpoints import compare_checkpoints
from checkpoint_cli import relayout_command
from checkpoint_cli.__main__ import main
from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.domain.key_template import KeyTemplate
from checkpoint_lambda.domain.layout import Layout, PerGroup, SingleObject
from checkpoint_lambda.domain.relayout_plan import REASON_COLUMN, quarantine_key
from checkpoint_lambda.domain.schema import ORDER_COLUMNS
from checkpoint_lambda.entrypoints.adapters import build_adapters
from checkpoint_lambda.errors import CheckpointAccessDenied
from checkpoint_lambda.service import run_checkpoint
from compat.release_1_0_0 import CHECKPOINT, FAILURE_RECORD, PREFIX, upload_log
from conftest import RestrictedCredentials

SINGLE = "checkpoints/prod/checkpoint.parquet"
TEMPLATE = "prod/checkpoints/{study}/{datatype}/events.parquet"
HIVE = "prod/tables/study={study}/datatype={datatype}/events.parquet"
#: Studies whose group no template can name: a per-group source cannot hold them.
UNNAMEABLE = ("foo/bar", "..")
ORDER = list(ORDER_COLUMNS)


def layout_of(location: str) -> Layout:
    return PerGroup(KeyTemplate.parse(location)) if "{" in location else SingleObject(location)


def option(side: str, location: str) -> list[str]:
    return [f"--{side}-template" if "{" in location else f"--{side}-key", location]


def source_rows(location: str) -> pl.DataFrame:
    """1.0.0's rows (rewritten keys' versions, rejected studies): per group, those a template can name."""
    rows = pl.read_parquet(CHECKPOINT)
    return rows if "{" not in location else rows.filter(~pl.col("study").is_in(UNNAMEABLE))


def write_source(connector: S3Connector, s3_client: Any, bucket: str, location: str) -> pl.DataFrame:
    """The source checkpoint and failure record, and the log of their versions; returns the rows."""
    rows = source_rows(location)
    layout = layout_of(location)
    store = CheckpointStore(S3ObjectStore(connector, bucket, access_denied=CheckpointAccessDenied))
    parts: dict[str, list[pl.DataFrame]] = {}
    for (study, datatype), part in rows.partition_by("study", "datatype", as_dict=True).items():
        key = layout.key if isinstance(layout, SingleObject) else layout.template.key_for(str(study), str(datatype))
        parts.setdefault(key, []).append(part)
    for key, frames in parts.items():
        store.save(key, Checkpoint(pl.concat(frames).sort(ORDER)), None)
    s3_client.put_object(Bucket=bucket, Key=layout.failure_record_key, Body=FAILURE_RECORD.read_bytes())
    left_out = set(pl.read_parquet(CHECKPOINT).join(rows, on=rows.columns, how="anti").get_column("source_key"))
    upload_log(s3_client, bucket, without=frozenset(left_out))
    return rows


def listed(s3_client: Any, bucket: str, prefix: str = "") -> dict[str, str]:
    contents = s3_client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: item["ETag"] for item in contents}


def read_rows(s3_client: Any, bucket: str, key: str) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()))


def relayout(
    connector: S3Connector, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, dict[str, Any], str]:
    parser = argparse.ArgumentParser()
    relayout_command.add_arguments(parser)
    code = relayout_command.run(parser.parse_args(list(options)), connector=connector)
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else {}, captured.err


def destination_rows(s3_client: Any, bucket: str, answer: dict[str, Any]) -> pl.DataFrame:
    keys = [item["path"].removeprefix(f"s3://{bucket}/") for item in answer["objects"]]
    return pl.concat([read_rows(s3_client, bucket, key) for key in keys])


@pytest.mark.parametrize(("source", "destination"), [(SINGLE, TEMPLATE), (TEMPLATE, SINGLE), (TEMPLATE, HIVE)])
def test_every_row_is_carried_or_quarantined_a_rerun_writes_nothing_and_a_run_there_fetches_nothing(
    connector: S3Connector,
    s3_client: Any,
    bucket: str,
    capsys: pytest.CaptureFixture[str],
    source: str,
    destination: str,
) -> None:
    rows = write_source(connector, s3_client, bucket, source)
    arguments = ["--bucket", bucket, *option("from", source), *option("to", destination)]

    code, answer, err = relayout(connector, capsys, *arguments)
    assert code == relayout_command.EXIT_QUARANTINED, err
    rejected = rows.filter(pl.col("study").is_in(["foo/bar", "new study", ".."]))
    assert (answer["rows_read"], answer["rows_quarantined"]) == (rows.height, rejected.height)
    assert answer["rows_placed"] == rows.height - rejected.height
    placed = destination_rows(s3_client, bucket, answer)
    quarantine = read_rows(s3_client, bucket, quarantine_key(layout_of(destination))).drop(REASON_COLUMN)
    assert pl.concat([placed, quarantine]).sort(ORDER).equals(rows.sort(ORDER))
    assert placed.group_by("source_key").len().get_column("len").max() == 2  # a rewritten key's versions
    assert f"{rejected.height} rows quarantined in s3://{bucket}/{quarantine_key(layout_of(destination))}" in err

    before = listed(s3_client, bucket)
    code, again, _ = relayout(connector, capsys, *arguments)
    assert (code, again["objects_written"], again["bytes_written"]) == (relayout_command.EXIT_QUARANTINED, 0, 0)
    assert listed(s3_client, bucket) == before

    comparison = compare_checkpoints(f"s3://{bucket}/{source}", f"s3://{bucket}/{destination}", connector)
    assert (comparison.differences, comparison.totals()["quarantined"]) == (0, rejected.height)
    config = RunConfig(bucket, PREFIX, bucket, layout_of(destination))
    summary = run_checkpoint(config, build_adapters(config, connector))
    # The source's record was written by 1.0.0: its verdicts carry no rules fingerprint, so they are
    # judged once more under these rules; no row's file is fetched.
    recorded = len(FailureRecord.from_json(FAILURE_RECORD.read_bytes()).failures)
    assert (summary.files_fetched, summary.failures_rejudged, summary.checkpoint_written) == (recorded, recorded, False)
    rerun = run_checkpoint(config, build_adapters(config, connector))
    assert (rerun.files_fetched, rerun.checkpoint_written) == (0, False)


def test_a_dry_run_says_what_it_would_write_and_writes_nothing(
    connector: S3Connector, s3_client: Any, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_source(connector, s3_client, bucket, SINGLE)
    before = listed(s3_client, bucket)
    code, answer, _ = relayout(
        connector, capsys, "--bucket", bucket, "--from-key", SINGLE, "--to-template", HIVE, "--dry-run"
    )
    assert code == relayout_command.EXIT_QUARANTINED
    assert {item["action"] for item in answer["objects"]} == {"would write"}
    assert (answer["dry_run"], answer["objects_written"], len(answer["objects"])) == (True, 0, 5)
    assert listed(s3_client, bucket) == before


def test_after_a_failure_halfway_a_rerun_writes_only_what_is_missing(
    connector: S3Connector,
    s3_client: Any,
    bucket: str,
    capsys: pytest.CaptureFixture[str],
    restricted_credentials: RestrictedCredentials,
) -> None:
    write_source(connector, s3_client, bucket, SINGLE)
    denied_key = "prod/tables/study=adrc/datatype=form/events.parquet"
    keys = restricted_credentials.deny(["s3:PutObject"], resources=(f"arn:aws:s3:::{bucket}/{denied_key}",))
    arguments = ["--bucket", bucket, "--from-key", SINGLE, "--to-template", HIVE]
    denied = S3Connector(connector.settings, credentials=keys)
    code, _, err = relayout(denied, capsys, *arguments)
    assert code == 3, err
    restricted_credentials.allow_all()
    halfway = listed(s3_client, bucket, "prod/tables/")
    assert denied_key not in halfway
    assert len(halfway) == 4

    code, answer, _ = relayout(connector, capsys, *arguments)
    assert code == relayout_command.EXIT_QUARANTINED
    actions = {item["path"].removeprefix(f"s3://{bucket}/"): item["action"] for item in answer["objects"]}
    assert actions == {key: "written" if key == denied_key else "already there" for key in actions}
    assert {k: v for k, v in listed(s3_client, bucket, "prod/tables/").items() if k != denied_key} == halfway
    assert answer["objects_written"] == 3  # the denied group, the quarantine, the failure record


def test_a_destination_holding_other_rows_is_refused_before_anything_is_written(
    connector: S3Connector, s3_client: Any, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = write_source(connector, s3_client, bucket, SINGLE)
    other_key = "prod/tables/study=adrc/datatype=form/events.parquet"
    other = rows.filter(pl.col("study") == "adrc").head(1).with_columns(ptid=pl.lit("OTHER"))
    store = CheckpointStore(S3ObjectStore(connector, bucket, access_denied=CheckpointAccessDenied))
    store.save(other_key, Checkpoint(other), None)
    before = listed(s3_client, bucket)
    code, answer, err = relayout(connector, capsys, "--bucket", bucket, "--from-key", SINGLE, "--to-template", HIVE)
    assert (code, answer) == (2, {})
    assert "DestinationNotEmpty" in err
    assert other_key in err
    assert listed(s3_client, bucket) == before


def test_layouts_that_would_share_objects_or_a_missing_source_are_refused(
    connector: S3Connector, s3_client: Any, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_source(connector, s3_client, bucket, TEMPLATE)
    before = listed(s3_client, bucket)
    overlapping = "prod/checkpoints/study={study}/datatype={datatype}/events.parquet"
    code, _, err = relayout(
        connector, capsys, "--bucket", bucket, "--from-template", TEMPLATE, "--to-template", overlapping
    )
    assert (code, "overlaps" in err or "failure record" in err) == (2, True)
    code, _, err = relayout(
        connector, capsys, "--bucket", bucket, "--from-key", "nothing/here.parquet", "--to-key", "b/c.parquet"
    )
    assert (code, "NothingToMove" in err) == (2, True)
    assert listed(s3_client, bucket) == before


def test_the_help_documents_the_quarantine_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["relayout", "--help"])
    text = capsys.readouterr().out
    assert "7  moved, but rows were quarantined" in text
    assert "quarantine.parquet" in text


def test_groups_with_and_without_unknown_fields_move_and_a_rerun_writes_nothing(
    connector: S3Connector, s3_client: Any, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A group whose rows hold no `extra_fields` is written without the column: the rerun must
    still recognise it as the planned rows, not as other data."""
    extended = with_fields(event_file(ptid="U1"), scanner_model="Prisma")
    plain = event_file(ptid="U2", datatype="dicom", module=None)
    for file in (extended, plain):
        s3_client.put_object(Bucket=bucket, Key=file.key, Body=file.body)
    config = RunConfig(bucket, "prod/", bucket, SingleObject("checkpoints/all/events.parquet"))
    assert run_checkpoint(config, build_adapters(config, connector)).new_events_processed == 2
    arguments = ["--bucket", bucket, "--from-key", "checkpoints/all/events.parquet", "--to-template", TEMPLATE]

    code, answer, _ = relayout(connector, capsys, *arguments)
    assert code == relayout_command.EXIT_OK
    assert [item["rows"] for item in answer["objects"]] == [1, 1]  # adrc/dicom without the column, adrc/form with it
    code, again, err = relayout(connector, capsys, *arguments)
    assert (code, again["objects_written"]) == (relayout_command.EXIT_OK, 0), err
