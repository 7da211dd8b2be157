"""The run on in-memory fakes: unknown fields kept and promoted, failures judged again when the
rules change, and archived files as a state (HEAD only, read once restored)."""

from __future__ import annotations

import io
import json
from typing import Literal

import polars as pl

from builders import NEW_DATATYPE, WIDER_RULES, event_file, visits, with_fields
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.event_retriever import S3EventRetriever
from checkpoint_lambda.adapters.failure_record_store import FailureRecordStore
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.extra_fields import promote_extra_field
from checkpoint_lambda.domain.layout import SingleObject
from checkpoint_lambda.domain.rules import DEFAULT_RULES, Rules
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA
from checkpoint_lambda.errors import CheckpointAccessDenied
from checkpoint_lambda.service import RunAdapters, run_checkpoint
from checkpoint_lambda.summary import RunSummary
from fakes import InMemoryObjectStore

KEY = "checkpoints/events/checkpoint.parquet"
RECORD_KEY = "checkpoints/events_failures/checkpoint.json"


class World:
    """A source and a checkpoint bucket in memory, and runs over them under given rules."""

    def __init__(self) -> None:
        self.source = InMemoryObjectStore("log")
        self.target = InMemoryObjectStore("analytics", access_denied=CheckpointAccessDenied)

    def add(self, files: list[LogFile], storage_class: str | None = None, archive_status: str | None = None) -> None:
        for file in files:
            self.source.put(file.key, file.body, storage_class, archive_status)

    def run(
        self,
        rules: Rules = DEFAULT_RULES,
        *,
        retry_failures: bool = False,
        restore_archived: Literal["off", "bulk", "standard"] = "off",
        dry_run: bool = False,
    ) -> RunSummary:
        config = RunConfig(
            "log",
            "prod/",
            "analytics",
            SingleObject(KEY),
            dry_run=dry_run,
            retry_failures=retry_failures,
            restore_archived=restore_archived,
        )
        retriever = S3EventRetriever(self.source, rules=rules)
        adapters = RunAdapters(retriever, CheckpointStore(self.target), FailureRecordStore(self.target))
        return run_checkpoint(config, adapters, min_files=0)

    def rows(self) -> pl.DataFrame:
        return pl.read_parquet(io.BytesIO(self.target.objects[KEY].data))

    def record(self) -> dict[str, list[dict[str, str]]]:
        return json.loads(self.target.objects[RECORD_KEY].data)  # type: ignore[no-any-return]


# --- unknown fields -------------------------------------------------------------------------


def test_a_file_with_two_unknown_fields_keeps_them_reports_them_and_a_migration_promotes_one() -> None:
    world = World()
    extended = with_fields(event_file(ptid="X1"), scanner_model="Prisma", retake_count=2)
    world.add([*visits(2), extended])
    summary = world.run()
    assert summary.unknown_fields == {"retake_count": 1, "scanner_model": 1}
    assert summary.unknown_fields_truncated == 0
    rows = world.rows()
    assert rows.columns == [*CHECKPOINT_SCHEMA.names(), "extra_fields"]
    kept = rows.filter(pl.col("ptid") == "X1")["extra_fields"].to_list()
    assert [json.loads(text) for text in kept] == [{"scanner_model": "Prisma", "retake_count": 2}]
    assert rows.filter(pl.col("ptid") != "X1")["extra_fields"].null_count() == 2

    fetched = world.source.requests["fetch"]
    promoted = promote_extra_field(world.rows(), "retake_count", pl.Int64())
    assert world.source.requests["fetch"] == fetched  # from the checkpoint alone: 0 event-file GETs
    by_ptid = dict(zip(promoted["ptid"].to_list(), promoted["retake_count"].to_list(), strict=True))
    assert by_ptid == {"P0": None, "P1": None, "X1": 2}
    assert promoted.schema["retake_count"] == pl.Int64()
    left = promoted.filter(pl.col("ptid") == "X1")["extra_fields"].to_list()
    assert [json.loads(text) for text in left] == [{"scanner_model": "Prisma"}]


def test_a_checkpoint_without_unknown_fields_keeps_exactly_the_earlier_columns() -> None:
    world = World()
    world.add(visits(3))
    world.run()
    assert world.rows().schema == CHECKPOINT_SCHEMA
    world.add([with_fields(event_file(ptid="LATE"), note="n")])
    summary = world.run()
    assert summary.unknown_fields == {"note": 1}
    assert world.rows().columns[-1] == "extra_fields"  # an older checkpoint, conformed, gains the column
    assert world.rows()["extra_fields"].null_count() == 3


def test_a_huge_unknown_field_is_cut_to_its_name_and_counted() -> None:
    world = World()
    world.add([with_fields(event_file(ptid="BIG"), blob="x" * 100_000, small="s")])
    summary = world.run()
    assert summary.unknown_fields_truncated == 1
    (text,) = world.rows()["extra_fields"].to_list()
    assert len(text.encode()) <= 16 * 1024
    assert json.loads(text) == {"blob": {"$truncated_bytes": 100_002}, "small": "s"}


# --- judged again when the rules change ------------------------------------------------------


def test_a_failure_is_judged_again_once_under_other_rules_and_becomes_a_row() -> None:
    world = World()
    newer = event_file(ptid="NEW", datatype=NEW_DATATYPE, module=None)
    broken = LogFile("prod/log-submit-20240115-100000-42-ingest-form-B-01.json", b"{oops")
    world.add([*visits(2), newer, broken])

    first = world.run()
    assert sorted(f["key"] for f in first.failures) == sorted([newer.key, broken.key])
    assert {entry["rules"] for entry in world.record()["failures"]} == {DEFAULT_RULES.fingerprint}
    assert world.source.requests["fetch"] == 4

    second = world.run(WIDER_RULES)
    assert (second.failures_rejudged, second.failures_recovered) == (2, 1)
    assert world.source.requests["fetch"] == 6  # one GET per recorded failure
    assert world.rows().filter(pl.col("ptid") == "NEW")["datatype"].to_list() == [NEW_DATATYPE]
    assert [f["key"] for f in second.failures] == [broken.key]
    assert [entry["rules"] for entry in world.record()["failures"]] == [WIDER_RULES.fingerprint]

    third = world.run(WIDER_RULES)
    assert (third.failures_rejudged, third.files_fetched, world.source.requests["fetch"]) == (0, 0, 6)
    assert third.total_events == 3


def test_retry_failures_judges_every_recorded_failure_again_under_the_same_rules() -> None:
    world = World()
    broken = LogFile("prod/log-submit-20240115-100000-42-ingest-form-B-01.json", b"{oops")
    world.add([*visits(1), broken])
    world.run()
    again = world.run(retry_failures=True)
    assert (again.failures_rejudged, again.failures_recovered, world.source.requests["fetch"]) == (1, 0, 3)
    assert world.run().failures_rejudged == 0
    assert world.source.requests["fetch"] == 3


def test_entries_of_an_older_release_count_as_other_rules_and_archived_ones_move_to_their_section() -> None:
    world = World()
    broken = LogFile("prod/log-submit-20240115-100000-42-ingest-form-B-01.json", b"{oops")
    cold = event_file(ptid="COLD")
    world.add([broken])
    world.add([cold], storage_class="GLACIER")
    hint = " (archived: restore it, then rewrite it or remove its entry from the failure record)"
    older = {
        "version": 1,
        "failures": [
            {"key": broken.key, "etag": world.source.objects[broken.key].etag, "reason": "malformed JSON: x"},
            {
                "key": cold.key,
                "etag": world.source.objects[cold.key].etag,
                "reason": "fetch failed: InvalidObjectState HTTP 403" + hint,
            },
        ],
        "skipped": [],
    }
    world.target.put(RECORD_KEY, json.dumps(older).encode())
    summary = world.run()
    assert (summary.failures_rejudged, summary.files_archived, summary.archived) == (1, 1, (cold.key,))
    assert world.source.requests["fetch"] == 1  # the failure judged again; the archived file only looked at
    record = world.record()
    assert [e["key"] for e in record["failures"]] == [broken.key]
    assert [(e["key"], e["storage_class"]) for e in record["archived"]] == [(cold.key, "GLACIER")]


# --- archived files ----------------------------------------------------------------------------


def test_an_intelligent_tiering_archive_is_found_by_its_get_then_headed_restored_and_read_once() -> None:
    world = World()
    cold = event_file(ptid="COLD")
    world.add(visits(1))
    world.add([cold], storage_class="INTELLIGENT_TIERING", archive_status="ARCHIVE_ACCESS")

    first = world.run()
    assert (first.files_archived, first.archived, first.events_failed) == (1, (cold.key,), 0)
    assert world.source.requests["fetch"] == 2

    second = world.run()
    assert (second.files_archived, world.source.requests["fetch"], world.source.requests["head"]) == (1, 2, 1)

    world.source.restores_complete = False
    rehearsal = world.run(restore_archived="bulk", dry_run=True)  # a dry run asks for no restore
    assert (rehearsal.files_archived, world.source.requests["restore"]) == (1, 0)
    third = world.run(restore_archived="bulk")
    assert (third.restores_started, world.source.requests["restore"]) == (1, 1)
    fourth = world.run(restore_archived="bulk")  # the restore is under way: not asked again
    assert (fourth.restores_started, world.source.requests["restore"], fourth.files_archived) == (0, 1, 1)

    world.source.objects[cold.key].restore = "done"
    fifth = world.run()
    assert (fifth.files_archived, fifth.new_events_processed, world.source.requests["fetch"]) == (0, 1, 3)
    heads = world.source.requests["head"]
    sixth = world.run()
    assert (sixth.files_fetched, world.source.requests["fetch"], world.source.requests["head"]) == (0, 3, heads)
    assert world.record()["archived"] == []
