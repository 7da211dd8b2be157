"""The demo behind `./bin/demo`: the real handler against a local S3 endpoint, three runs and three more.

The first run ingests a realistic log; then new, late and rewritten files arrive and the
second run picks up exactly those; a third finds nothing new. The first run also keeps the
fields of a file the model does not know and reports an archived file, which a later run asks
S3 to restore and the run after reads. A burst of new files then
comes through the event path (SQS batches of S3 notifications), and the scheduled run finds
nothing the events missed; the checkpoint is moved to a Hive-style layout from the checkpoint
alone, and `compare` finds no difference. The per-group layout then gets a dry run, a first
run and a late file. The responses are printed, then a summary read
back from the checkpoint, then the monthly report of `REPORT_MONTH`, whose twelve-month trend
the log spans.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from checkpoint_devtools.demo_journey import event_path, files_that_outlive_the_rules, layout_move, restore_the_archived
from checkpoint_devtools.local_s3 import create_bucket, moto_endpoint, upload
from checkpoint_devtools.sample_log import SampleLog, broken_files, non_event_files
from checkpoint_lambda.adapters.s3 import S3ObjectStore
from checkpoint_lambda.entrypoints.adapters import default_connector
from checkpoint_lambda.entrypoints.lambda_function import handle
from checkpoint_lambda.errors import CheckpointAccessDenied
from checkpoint_lambda.observability import logger

BUCKET = "nacc-event-log"
PREFIX = "prod/"
CHECKPOINT_KEY = "checkpoints/prod/checkpoint.parquet"
PAYLOAD = {"source_bucket": BUCKET, "prefix": PREFIX, "checkpoint_bucket": BUCKET, "checkpoint_key": CHECKPOINT_KEY}
# NACC's production layout: one object per (study, datatype), beside the log.
TEMPLATE = "prod/checkpoints/{study}/{datatype}/events.parquet"
#: The month the demo reports on; the log's visits start before its twelve-month trend window
#: (so its first month has late submissions too) and end in it.
REPORT_MONTH = "2026-11"
LOG_START, LOG_DAYS = date(2025, 10, 15), 395
#: Where the demo moves its single checkpoint with `relayout` (Hive-style group folders).
HIVE_TEMPLATE = "prod/checkpoints-hive/study={study}/datatype={datatype}/events.parquet"
PER_GROUP = {
    "source_bucket": BUCKET,
    "prefix": PREFIX,
    "checkpoint_bucket": BUCKET,
    "checkpoint_key_template": TEMPLATE,
}


def main(out_dir: Path) -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    logger.setLevel("ERROR")  # the failures are in the responses below
    started = time.perf_counter()
    with moto_endpoint() as endpoint:
        create_bucket(endpoint, BUCKET)
        store = default_connector().store(BUCKET)
        log = SampleLog(seed=2026, start=LOG_START, days=LOG_DAYS)
        incomplete, completed = log.incomplete_then_complete(PREFIX, 120)
        first = log.files(PREFIX, 1200) + incomplete + broken_files(PREFIX) + non_event_files(PREFIX)
        upload(store, first)
        first += files_that_outlive_the_rules(default_connector().client(), BUCKET, log, PREFIX)
        _show(
            f"First run: {len(first)} objects under s3://{BUCKET}/{PREFIX} (one file with two fields the "
            "model does not know: unknown_fields; one in Glacier: archived)",
            handle(PAYLOAD),
        )

        late = log.late_files(PREFIX, 60)
        new = log.files(PREFIX, 150)
        upload(store, late + new + completed)
        _show(
            f"Second run: {len(new)} new files, {len(late)} late files (old timestamps), "
            f"{len(completed)} rewritten keys",
            handle(PAYLOAD),
        )
        _show("Third run: nothing new", handle(PAYLOAD), brief=True)
        restore_the_archived(PAYLOAD)
        event_path(store, log, PAYLOAD, PREFIX)
        layout_move(BUCKET, CHECKPOINT_KEY, HIVE_TEMPLATE)
        _per_group_layout(store, log, out_dir)

        found = S3ObjectStore(default_connector(), BUCKET, CheckpointAccessDenied).read(CHECKPOINT_KEY)
        assert found is not None, "the demo's checkpoint was not written"
        frame = pl.read_parquet(io.BytesIO(found.data))
        _summarise(frame)
        report = _write_report(frame, out_dir)
    print(f"\nDone in {time.perf_counter() - started:.1f} s.{report}")
    return 0


def _per_group_layout(store: Any, log: SampleLog, out_dir: Path) -> None:
    """The same log into the per-group layout: a dry run, a first run, late files; then `compare`."""
    dry = handle({**PER_GROUP, "dry_run": True})
    print(f"\n== Per-group layout ({TEMPLATE}): a dry run would write {len(dry['would_write'])} objects, wrote none")
    _show_groups("Per-group layout: first run", handle(PER_GROUP))
    late = log.late_files(PREFIX, 1)
    upload(store, late)
    title = f"Per-group layout: {len(late)} late files of one visit (only its group is rewritten)"
    _show_groups(title, handle(PER_GROUP))
    _compare_with_a_reference(out_dir, {file.key for file in late})


def _compare_with_a_reference(out_dir: Path, late_keys: set[str]) -> None:
    """What switching from the reference implementation shows: here the reference dropped the late files."""
    try:
        from checkpoint_analytics.compare import compare  # noqa: PLC0415 - optional part of the demo
        from checkpoint_analytics.compare_output import print_comparison  # noqa: PLC0415
        from checkpoint_analytics.load import load_checkpoint  # noqa: PLC0415
        from checkpoint_analytics.reference import REFERENCE_SCHEMA  # noqa: PLC0415
        from checkpoint_analytics.versions import current_events  # noqa: PLC0415
    except ImportError:
        return
    location = f"s3://{BUCKET}/{TEMPLATE}"
    ours = load_checkpoint(location).filter(~pl.col("source_key").is_in(sorted(late_keys)))
    reference = current_events(ours).collect().select(REFERENCE_SCHEMA.names())
    reference = reference.with_columns(
        pl.col("pipeline_adcid").cast(pl.Int32), pl.col("visit_date").dt.strftime("%Y-%m-%d")
    )
    root = out_dir / "reference" / "prod" / "checkpoints"
    for (study, datatype), part in reference.group_by(["study", "datatype"]):
        folder = root / str(study) / str(datatype)
        folder.mkdir(parents=True, exist_ok=True)
        part.write_parquet(folder / "events.parquet")
    print(f"\n== compare --reference {root}/ --checkpoint {location}  (a reference tree without the late files)")
    print_comparison(compare(f"{root}/", location), sys.stdout)


def _show_groups(title: str, response: dict[str, Any]) -> None:
    print(f"\n== {title}")
    print(f"statusCode {response['statusCode']}, new events {response['new_events_processed']}")
    for group in response["groups"]:
        mark = "written" if group["written"] else "unchanged"
        print(
            f"  {group['study']:>6} / {group['datatype']:<22} {group['rows']:>5} rows  +{group['new_events']:<4} {mark}"
        )


def _show(title: str, response: dict[str, Any], brief: bool = False) -> None:
    print(f"\n== {title}")
    if brief:
        keys = ("statusCode", "files_listed", "files_fetched", "new_events_processed", "checkpoint_written")
        response = {k: response[k] for k in keys}
    print(json.dumps(response, indent=2))


def _summarise(frame: pl.DataFrame) -> None:
    identity = ["pipeline_adcid", "ptid", "visit_date", "action", "timestamp", "datatype", "module"]
    print("\n== The checkpoint, read back")
    print(f"rows: {frame.height}   distinct events: {frame.select(identity).unique().height}")
    rewritten = frame.group_by("source_key").len().filter(pl.col("len") > 1).height
    print(f"keys with more than one version (rewritten): {rewritten}")
    print(frame.group_by("action").len().sort("action"))
    print(frame.group_by("center_label").len().sort("center_label"))


def _write_report(frame: pl.DataFrame, out_dir: Path) -> str:
    try:
        from checkpoint_analytics.report import run_report  # noqa: PLC0415 - optional part of the demo
    except ImportError:
        return ""
    out_dir.mkdir(parents=True, exist_ok=True)
    local = out_dir / "checkpoint.parquet"
    frame.write_parquet(local)
    result = run_report(str(local), REPORT_MONTH, out_dir)
    return f"\nReport: {result.html_path}"


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".demo")))
