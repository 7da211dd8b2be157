"""The run on in-memory fakes of the object store: selection, merge, the retry loop, the failure
record's reconciliation, partial failures, the per-group layout, dry runs and the time budget."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator

import polars as pl
import pytest

from builders import event_fields, event_file, visits
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.event_retriever import S3EventRetriever
from checkpoint_lambda.adapters.failure_record_store import FailureRecordStore
from checkpoint_lambda.adapters.object_store import FetchFailed
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.key_template import KeyTemplate
from checkpoint_lambda.domain.layout import Layout, PerGroup, SingleObject
from checkpoint_lambda.errors import CheckpointAccessDenied, CheckpointUnreadable, ConcurrentUpdateConflict
from checkpoint_lambda.service import RunAdapters, run_checkpoint
from checkpoint_lambda.summary import RunSummary
from fakes import InMemoryObjectStore

KEY = "checkpoints/events/checkpoint.parquet"
RECORD_KEY = "checkpoints/events_failures/checkpoint.json"
TEMPLATE = "checkpoints/{study}/{datatype}/events.parquet"


class World:
    """A source bucket and a checkpoint bucket in memory, and runs over them."""

    def __init__(self, layout: Layout | None = None) -> None:
        self.source = InMemoryObjectStore("log")
        self.target = InMemoryObjectStore("analytics", access_denied=CheckpointAccessDenied)
        self.layout = layout or SingleObject(KEY)

    def add(self, files: list[LogFile]) -> None:
        for file in files:
            self.source.put(file.key, file.body)

    def run(
        self,
        prefix: str = "prod/",
        *,
        dry_run: bool = False,
        keep_going: Callable[[], bool] | None = None,
        min_files: int = 0,
    ) -> RunSummary:
        config = RunConfig("log", prefix, "analytics", self.layout, dry_run=dry_run)
        adapters = RunAdapters(
            S3EventRetriever(self.source), CheckpointStore(self.target), FailureRecordStore(self.target)
        )
        return run_checkpoint(config, adapters, keep_going or (lambda: True), min_files=min_files)

    def rows(self, key: str = KEY) -> pl.DataFrame:
        return pl.read_parquet(io.BytesIO(self.target.objects[key].data))

    def record(self, key: str = RECORD_KEY) -> dict[str, list[dict[str, str]]]:
        return json.loads(self.target.objects[key].data)  # type: ignore[no-any-return]


def bad_file(name: str, prefix: str = "prod/") -> LogFile:
    return LogFile(f"{prefix}log-submit-20240115-100000-42-ingest-form-{name}-01.json", b"{oops")


def test_first_run_ingests_the_valid_records_the_bad_and_counts_everything() -> None:
    world = World()
    world.add([*visits(5), bad_file("X"), LogFile("prod/.keep", b"")])
    summary = world.run()
    assert (summary.files_listed, summary.files_fetched, summary.files_non_event) == (6, 6, 1)
    assert (summary.new_events_processed, summary.total_events, summary.events_failed) == (5, 5, 1)
    assert summary.checkpoint_written
    assert summary.complete
    assert world.rows().height == 5
    assert [entry["key"] for entry in world.record()["failures"]] == [bad_file("X").key]


def test_a_rerun_with_nothing_new_fetches_nothing_and_writes_nothing() -> None:
    world = World()
    world.add([*visits(3), bad_file("X")])
    world.run()
    before = dict(world.target.requests)
    summary = world.run()
    assert (summary.files_fetched, summary.files_unchanged, summary.checkpoint_written) == (0, 4, False)
    assert world.source.requests["fetch"] == 4  # from the first run only
    assert world.target.requests["write"] == before["write"]


def test_late_files_and_rewritten_keys_are_picked_up_and_the_first_version_stays() -> None:
    world = World()
    world.add([event_file(packet=None), *visits(2)])
    world.run()
    late = event_file(ptid="LATE", timestamp="2020-01-01T00:00:00Z")
    world.add([late, event_file(packet="I")])  # the same key as the first file, rewritten
    summary = world.run()
    assert (summary.files_fetched, summary.new_events_processed, summary.total_events) == (2, 2, 5)
    rows = world.rows()
    assert rows.get_column("timestamp").is_sorted()
    assert sorted(rows.filter(pl.col("ptid") == "110001").get_column("packet").to_list(), key=str) == ["I", None]


def test_a_lost_race_reloads_merges_again_and_keeps_the_winners_rows() -> None:
    world = World()
    world.add(visits(2))
    world.run()
    world.add(visits(2, start=10))

    def other_run_wins() -> None:
        other = World()
        other.target = world.target  # another run, over other files, writing the same checkpoint
        world.target.before_write.pop(KEY, None)
        other.add([event_file(ptid="OTHER")])
        other.run()

    world.target.before_write[KEY] = other_run_wins
    summary = world.run()
    assert summary.new_events_processed == 2
    assert sorted(world.rows().get_column("ptid").to_list()) == ["OTHER", "P0", "P1", "P10", "P11"]


def test_a_write_applied_but_unanswered_still_counts_as_this_runs() -> None:
    world = World()
    world.add(visits(3))
    world.target.lose_answer.add(KEY)
    summary = world.run()
    assert (summary.new_events_processed, summary.checkpoint_written, summary.total_events) == (3, True, 3)
    assert world.rows().height == 3


def test_writers_that_always_win_end_the_run_with_a_conflict_and_nothing_lost() -> None:
    world = World()
    world.add(visits(2))
    world.run()
    world.add(visits(1, start=5))
    other = World()
    other.target = world.target  # another run, over other files, writing the same checkpoint
    names = iter(range(100))

    def another_write() -> None:
        world.target.before_write.pop(KEY, None)
        other.add([event_file(ptid=f"O{next(names)}")])
        other.run()
        world.target.before_write[KEY] = another_write

    world.target.before_write[KEY] = another_write
    with pytest.raises(ConcurrentUpdateConflict, match="5 write attempts"):
        world.run()
    world.target.before_write.clear()
    assert world.run().new_events_processed == 1
    assert world.rows().height == 2 + 5 + 1


def test_a_concurrent_runs_failure_entries_survive_the_reconciliation() -> None:
    world = World()
    world.add([bad_file("MINE")])

    def other_records_a_failure() -> None:
        world.target.before_write.pop(RECORD_KEY, None)
        world.target.put(RECORD_KEY, _record_with("prod/log-submit-20240115-100000-42-ingest-form-THEIRS-01.json"))

    world.target.before_write[RECORD_KEY] = other_records_a_failure
    world.run()
    assert sorted(entry["key"] for entry in world.record()["failures"]) == [
        bad_file("MINE").key,
        "prod/log-submit-20240115-100000-42-ingest-form-THEIRS-01.json",
    ]


def test_a_run_over_a_narrower_prefix_keeps_the_other_prefixes_failures() -> None:
    world = World()
    world.add([bad_file("B", "b/"), *visits(1, "a/")])
    world.run("b/")
    world.run("a/")
    assert [entry["key"] for entry in world.record()["failures"]] == [bad_file("B", "b/").key]
    fetched = world.source.requests["fetch"]
    assert world.run("").files_fetched == 0
    assert world.source.requests["fetch"] == fetched


def test_a_transient_fetch_failure_is_reported_not_recorded_and_retried_next_run() -> None:
    world = World()
    files = visits(2)
    world.add(files)
    world.source.fetch_failures[files[0].key] = FetchFailed("SlowDown HTTP 503")
    first = world.run()
    assert (first.new_events_processed, first.events_failed, first.new_files_failed) == (1, 1, 1)
    assert RECORD_KEY not in world.target.objects  # nothing to record: the failure was S3's, not the file's
    world.source.fetch_failures.clear()
    second = world.run()
    assert (second.files_fetched, second.new_events_processed, second.events_failed) == (1, 1, 0)


def test_an_unreadable_checkpoint_stops_the_run_and_stays_as_it_is() -> None:
    world = World()
    world.add(visits(1))
    world.target.put(KEY, b"not parquet")
    with pytest.raises(CheckpointUnreadable):
        world.run()
    assert world.target.objects[KEY].data == b"not parquet"


def test_a_dry_run_writes_nothing_and_says_what_the_real_run_then_writes() -> None:
    world = World()
    world.add([*visits(3), bad_file("X")])
    dry = world.run(dry_run=True)
    assert world.target.requests["write"] == 0
    assert world.target.objects == {}
    real = world.run()
    assert dry.dry_run
    assert not dry.checkpoint_written
    assert dry.would_write == (f"s3://analytics/{KEY}",)
    assert (dry.new_events_processed, dry.total_events, dry.events_failed) == (
        real.new_events_processed,
        real.total_events,
        real.events_failed,
    )
    assert real.checkpoint_written
    assert not real.dry_run


def test_a_time_budget_defers_files_and_runs_converge_on_the_full_result() -> None:
    world = World()
    world.add(visits(10))
    budgets = []
    while True:
        budget = iter(range(3))  # three fetches a run

        def keep_going(remaining: Iterator[int] = budget) -> bool:
            return next(remaining, None) is not None

        summary = world.run(keep_going=keep_going)
        budgets.append((summary.files_fetched, summary.files_deferred, summary.complete))
        assert summary.files_listed == summary.files_unchanged + summary.files_fetched + summary.files_deferred
        if summary.complete:
            break
    assert budgets == [(3, 7, False), (3, 4, False), (3, 1, False), (1, 0, True)]
    assert sorted(world.rows().get_column("ptid").to_list()) == sorted(f"P{i}" for i in range(10))


def test_a_spent_budget_still_fetches_the_minimum_so_runs_always_progress() -> None:
    """A budget used up by the listing alone must not leave every run with nothing fetched."""
    world = World()
    world.add(visits(5))
    fetched = [world.run(keep_going=lambda: False, min_files=2).files_fetched for _ in range(3)]
    assert fetched == [2, 2, 1]
    assert world.run(keep_going=lambda: False, min_files=2).files_fetched == 0
    assert world.rows().height == 5


def test_per_group_layout_writes_one_object_per_study_and_datatype() -> None:
    world = World(PerGroup(KeyTemplate.parse(TEMPLATE)))
    world.add(_nine_groups())
    summary = world.run()
    keys = sorted(k for k in world.target.objects if k.endswith(".parquet"))
    assert len(keys) == 9
    assert summary.status_code == 200
    assert [(g.study, g.datatype, g.rows) for g in summary.groups][:2] == [
        ("adrc", "apoe", 2),
        ("adrc", "biomarker", 2),
    ]
    adrc_apoe = world.rows("checkpoints/adrc/apoe/events.parquet")
    assert adrc_apoe.get_column("study").unique().to_list() == ["adrc"]
    assert adrc_apoe.schema == world.rows(keys[-1]).schema
    assert RECORD_KEY.replace("events_failures/checkpoint", "checkpoints_failures/events") not in keys


def test_per_group_a_late_file_rewrites_only_its_group_and_a_rerun_writes_nothing() -> None:
    world = World(PerGroup(KeyTemplate.parse(TEMPLATE)))
    world.add(_nine_groups())
    world.run()
    etags = {k: o.etag for k, o in world.target.objects.items()}
    world.add([_group_file("dvcid", "gwas", "LATE", timestamp="2019-05-01T00:00:00Z")])
    summary = world.run()
    changed = sorted(k for k, o in world.target.objects.items() if etags.get(k) != o.etag)
    assert changed == ["checkpoints/dvcid/gwas/events.parquet"]
    assert [g.new_events for g in summary.groups if g.new_events] == [1]
    writes = world.target.requests["write"]
    assert world.run().files_fetched == 0
    assert world.target.requests["write"] == writes


def test_per_group_a_denied_write_is_207_the_others_are_written_and_the_next_run_completes() -> None:
    world = World(PerGroup(KeyTemplate.parse(TEMPLATE)))
    world.add(_nine_groups())
    world.target.denied.add("checkpoints/leads/")
    partial = world.run()
    assert partial.status_code == 207
    assert sorted((g.study, g.datatype) for g in partial.failed_groups) == [
        ("leads", "apoe"),
        ("leads", "biomarker"),
        ("leads", "gwas"),
    ]
    assert sum(g.written for g in partial.groups) == 6
    world.target.denied.clear()
    healed = world.run()
    assert (healed.status_code, healed.files_fetched, healed.new_events_processed, healed.total_events) == (
        200,
        6,
        6,
        18,
    )


def _group_file(study: str, datatype: str, ptid: str, **changes: object) -> LogFile:
    fields = event_fields(study=study, datatype=datatype, module=None, ptid=ptid, **changes)
    key = f"prod/log-submit-20240115-100000-42-ingest-{datatype}-{study}-{ptid}-2024-01-15.json"
    return LogFile(key, json.dumps(fields).encode())


def _nine_groups() -> list[LogFile]:
    return [
        _group_file(study, datatype, f"{study[0]}{datatype[0]}{n}")
        for study in ("adrc", "dvcid", "leads")
        for datatype in ("apoe", "biomarker", "gwas")
        for n in range(2)
    ]


def _record_with(key: str) -> bytes:
    entry = {"key": key, "etag": '"x"', "reason": "malformed JSON"}
    return json.dumps({"version": 1, "failures": [entry], "skipped": []}).encode()
