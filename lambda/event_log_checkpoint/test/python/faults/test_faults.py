"""S3 misbehaving under a run, through the real handler against moto's server and the fault proxy.

Each fault either ends with every valid event in the checkpoint (the faulty files named
in `failures`), or with an error response, `RunFailed` counted, and the previous
checkpoint and failure record byte-for-byte as they were. docs/RELIABILITY.md has the matrix.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.entrypoints.adapters import s3_adapters
from checkpoint_lambda.entrypoints.lambda_function import answer_event, emit_metrics
from checkpoint_lambda.observability import metrics
from faults.conftest import MAX_RETRIES
from faults.fault_proxy import (
    ACCESS_DENIED,
    SLOW_DOWN,
    Action,
    FaultProxy,
    Rule,
    S3Request,
    call_then,
    pass_through,
    reset,
    reset_after_forwarding,
    stall,
)
from faults.s3_state import (
    CHECKPOINT_KEY,
    FAILURE_RECORD_KEY,
    broken_file,
    checkpoint_frame,
    checkpoint_keys,
    event_files,
    keys_of,
    object_state,
    payload,
    put_files,
    recorded_failures,
)

ATTEMPTS = MAX_RETRIES + 1
RELIABILITY_DOC = Path(__file__).resolve().parents[5] / "docs" / "RELIABILITY.md"
TIMEOUT = stall(2.5)  # past the 1 s request timeout of the `faulty` connector
TRANSPORT_FAULTS = {"connection reset": reset, "read timeout": TIMEOUT}


def run(bucket: str, connector: S3Connector, prefix: str = "prod/") -> dict[str, Any]:
    answer = answer_event(payload(bucket, prefix), env={}, adapters=s3_adapters(connector))
    emit_metrics(answer)  # as the handler does
    return answer.response


def earlier_run(bucket: str, connector: S3Connector, prefix: str = "prod/") -> None:
    """A healthy run that sets the scene; its metrics are not the test's."""
    assert run(bucket, connector, prefix)["statusCode"] == 200
    metrics.clear_metrics()


def failures_of(response: dict[str, Any]) -> dict[str, str]:
    return {f["key"]: f["reason"] for f in response["failures"]}


def run_failed_metric() -> list[float]:
    return list(metrics.metric_set["RunFailed"]["Value"])


def exactly(key: str) -> str:
    return f"^{re.escape(key)}$"


def assert_all_in_once(s3: Any, bucket: str, files: list[LogFile]) -> None:
    """Every file of `files` is one checkpoint row, and nothing else is."""
    assert checkpoint_keys(s3, bucket) == keys_of(files)


# --- throttling, timeouts and resets on GETs ---------------------------------------------


def test_gets_throttled_then_served_are_retried_and_every_event_arrives(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any
) -> None:
    files = event_files("T", 8)
    put_files(s3_client, bucket, files)
    throttled = [f.key for f in files[:3]]
    for key in throttled:
        proxy.add(Rule(SLOW_DOWN, method="GET", key=exactly(key), on={1, 2}))

    response = run(bucket, faulty)

    assert response["statusCode"] == 200
    assert (response["new_events_processed"], response["events_failed"]) == (8, 0)
    assert_all_in_once(s3_client, bucket, files)
    assert [proxy.count("GET", key) for key in throttled] == [3, 3, 3]  # two 503s, then served


@pytest.mark.parametrize(
    ("fault", "reason"),
    [(SLOW_DOWN, "SlowDown HTTP 503"), *((f, "fetch failed") for f in TRANSPORT_FAULTS.values())],
    ids=["503 SlowDown", *TRANSPORT_FAULTS],
)
def test_gets_failing_on_every_attempt_fail_those_files_and_the_rest_arrive(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any, fault: Action, reason: str
) -> None:
    files = event_files("E", 6)
    put_files(s3_client, bucket, files)
    victims, healthy = files[:2], files[2:]
    for file in victims:
        proxy.add(Rule(fault, method="GET", key=exactly(file.key)))

    response = run(bucket, faulty)

    assert response["statusCode"] == 200
    assert (response["new_events_processed"], response["events_failed"]) == (4, 2)
    failed = failures_of(response)
    assert sorted(failed) == keys_of(victims)
    assert all(reason in text for text in failed.values()), failed
    assert_all_in_once(s3_client, bucket, healthy)
    assert [proxy.count("GET", f.key) for f in victims] == [ATTEMPTS, ATTEMPTS]  # retried, then given up
    assert response["files_listed"] == response["total_events"] + response["events_failed"]  # nothing lost


@pytest.mark.parametrize("fault", TRANSPORT_FAULTS.values(), ids=list(TRANSPORT_FAULTS))
def test_a_transport_fault_once_per_get_is_retried_and_every_event_arrives(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any, fault: Action
) -> None:
    files = event_files("R", 5)
    put_files(s3_client, bucket, files)
    for file in files[:2]:
        proxy.add(Rule(fault, method="GET", key=exactly(file.key), on={1}))

    response = run(bucket, faulty)

    assert (response["statusCode"], response["events_failed"]) == (200, 0)
    assert_all_in_once(s3_client, bucket, files)
    assert [proxy.count("GET", f.key) for f in files[:2]] == [2, 2]


@pytest.mark.parametrize("fault", [SLOW_DOWN, reset], ids=["503 SlowDown", "connection reset"])
def test_a_file_that_failed_transiently_is_fetched_again_by_the_next_run(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any, fault: Action
) -> None:
    files = event_files("N", 3)
    put_files(s3_client, bucket, files)
    proxy.add(Rule(fault, method="GET", key=exactly(files[0].key)))
    run(bucket, faulty)
    proxy.clear()  # S3 is healthy again

    response = run(bucket, faulty)

    assert files[0].key in checkpoint_keys(s3_client, bucket)
    assert response["events_failed"] == 0


def test_deleting_the_failure_record_makes_the_next_run_fetch_every_failed_file_again(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any
) -> None:
    """The operator's remedy, until the bug above is fixed: the record is a cache of verdicts, safe to delete."""
    files = event_files("Z", 3)
    put_files(s3_client, bucket, files)
    proxy.add(Rule(SLOW_DOWN, method="GET", key=exactly(files[0].key)))
    assert run(bucket, faulty)["events_failed"] == 1
    proxy.clear()
    s3_client.delete_object(Bucket=bucket, Key=FAILURE_RECORD_KEY)

    response = run(bucket, faulty)

    assert (response["statusCode"], response["files_fetched"], response["events_failed"]) == (200, 1, 0)
    assert_all_in_once(s3_client, bucket, files)


# --- listing and reading the checkpoint ---------------------------------------------------


def test_listing_throttled_then_served_is_retried(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any
) -> None:
    files = event_files("L", 3)
    put_files(s3_client, bucket, files)
    proxy.add(Rule(SLOW_DOWN, listing=True, on={1, 2}))

    assert run(bucket, faulty)["statusCode"] == 200
    assert_all_in_once(s3_client, bucket, files)
    assert proxy.count("GET", listing=True) == 3


@pytest.mark.parametrize(
    ("fault", "status", "error", "message"),
    [
        (ACCESS_DENIED, 403, "SourceAccessDenied", "AccessDenied HTTP 403"),
        (SLOW_DOWN, 500, "StorageError", "SlowDown HTTP 503"),
    ],
    ids=["AccessDenied", "503 on every attempt"],
)
def test_listing_refused_is_an_error_response_with_run_failed(
    proxy: FaultProxy,
    faulty: S3Connector,
    bucket: str,
    s3_client: Any,
    fault: Action,
    status: int,
    error: str,
    message: str,
) -> None:
    put_files(s3_client, bucket, event_files("D", 2))
    proxy.add(Rule(fault, listing=True))

    response = run(bucket, faulty)

    assert (response["statusCode"], response["error"]) == (status, error)
    assert message in response["message"]
    assert response["details"]["checkpoint_path"] == f"s3://{bucket}/{CHECKPOINT_KEY}"
    assert run_failed_metric() == [1.0]
    assert object_state(s3_client, bucket, CHECKPOINT_KEY) is None
    assert proxy.count("PUT") == 0


@pytest.mark.parametrize(
    ("fault", "status", "error"),
    [(SLOW_DOWN, 500, "StorageError"), (ACCESS_DENIED, 403, "CheckpointAccessDenied")],
    ids=["503 on every attempt", "AccessDenied"],
)
def test_a_checkpoint_that_cannot_be_read_is_never_taken_for_absent(
    proxy: FaultProxy,
    faulty: S3Connector,
    connector: S3Connector,
    bucket: str,
    s3_client: Any,
    fault: Action,
    status: int,
    error: str,
) -> None:
    put_files(s3_client, bucket, event_files("C", 3))
    earlier_run(bucket, connector)
    before = object_state(s3_client, bucket, CHECKPOINT_KEY)
    put_files(s3_client, bucket, event_files("C2", 2))
    proxy.add(Rule(fault, method="GET", key=exactly(CHECKPOINT_KEY)))

    response = run(bucket, faulty)

    assert (response["statusCode"], response["error"]) == (status, error)
    assert object_state(s3_client, bucket, CHECKPOINT_KEY) == before
    assert proxy.count("PUT") == 0  # a fresh checkpoint never replaces the history
    assert run_failed_metric() == [1.0]


# --- denied and archived objects ----------------------------------------------------------


def test_denied_gets_fail_those_files_only_without_retrying(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any
) -> None:
    files = event_files("A", 5)
    put_files(s3_client, bucket, files)
    for file in files[:2]:
        proxy.add(Rule(ACCESS_DENIED, method="GET", key=exactly(file.key)))

    response = run(bucket, faulty)

    assert response["statusCode"] == 200
    failed = failures_of(response)
    assert sorted(failed) == keys_of(files[:2])
    assert all(text == "fetch failed: AccessDenied HTTP 403" for text in failed.values()), failed
    assert_all_in_once(s3_client, bucket, files[2:])
    assert [proxy.count("GET", f.key) for f in files[:2]] == [1, 1]  # a 403 is not retried


@pytest.mark.parametrize("storage_class", ["GLACIER", "DEEP_ARCHIVE"])
def test_archived_objects_are_reported_every_run_and_never_fetched(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any, storage_class: str
) -> None:
    """The listing names the storage class: one HEAD per run finds no restored copy, so no GET."""
    files = event_files("G", 4)
    put_files(s3_client, bucket, files[1:])
    archived = files[0]
    s3_client.put_object(Bucket=bucket, Key=archived.key, Body=archived.body, StorageClass=storage_class)

    first = run(bucket, faulty)
    second = run(bucket, faulty)

    assert (first["statusCode"], second["statusCode"]) == (200, 200)
    assert failures_of(first) == failures_of(second) == {}
    assert first["archived"] == second["archived"] == [archived.key]  # a state, reported every run
    assert (first["files_archived"], second["files_archived"]) == (1, 1)
    assert proxy.count("GET", archived.key) == 0
    assert proxy.count("HEAD", archived.key) == 2  # one a run
    assert_all_in_once(s3_client, bucket, files[1:])


# --- writing the checkpoint ---------------------------------------------------------------


def test_checkpoint_put_throttled_once_is_retried(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any
) -> None:
    files = event_files("P", 4)
    put_files(s3_client, bucket, files)
    proxy.add(Rule(SLOW_DOWN, method="PUT", key=exactly(CHECKPOINT_KEY), on={1}))

    response = run(bucket, faulty)

    assert (response["statusCode"], response["checkpoint_written"]) == (200, True)
    assert_all_in_once(s3_client, bucket, files)
    assert proxy.count("PUT", CHECKPOINT_KEY) == 2


@pytest.mark.parametrize(
    ("fault", "status", "error", "message"),
    [
        (SLOW_DOWN, 500, "StorageError", "SlowDown HTTP 503"),
        (reset, 500, "StorageError", "/checkpoints/events/checkpoint.parquet failed"),
        (TIMEOUT, 500, "StorageError", "/checkpoints/events/checkpoint.parquet failed"),
        (ACCESS_DENIED, 403, "CheckpointAccessDenied", "AccessDenied HTTP 403"),
    ],
    ids=["503 on every attempt", "connection reset", "read timeout", "AccessDenied"],
)
def test_a_refused_checkpoint_write_is_an_error_and_leaves_checkpoint_and_record_unchanged(
    proxy: FaultProxy,
    faulty: S3Connector,
    connector: S3Connector,
    bucket: str,
    s3_client: Any,
    fault: Action,
    status: int,
    error: str,
    message: str,
) -> None:
    first = [*event_files("W", 3), broken_file("W")]
    put_files(s3_client, bucket, first)
    earlier_run(bucket, connector)
    checkpoint_before = object_state(s3_client, bucket, CHECKPOINT_KEY)
    record_before = object_state(s3_client, bucket, FAILURE_RECORD_KEY)
    later = [*event_files("W2", 3), broken_file("W2")]
    put_files(s3_client, bucket, later)
    proxy.add(Rule(fault, method="PUT", key=exactly(CHECKPOINT_KEY)))

    response = run(bucket, faulty)

    assert (response["statusCode"], response["error"]) == (status, error)
    assert message in response["message"]
    assert run_failed_metric() == [1.0]
    assert object_state(s3_client, bucket, CHECKPOINT_KEY) == checkpoint_before
    assert object_state(s3_client, bucket, FAILURE_RECORD_KEY) == record_before

    proxy.clear()  # the next run, with S3 healthy, does the work
    assert run(bucket, faulty)["statusCode"] == 200
    assert_all_in_once(s3_client, bucket, event_files("W", 3) + event_files("W2", 3))
    assert sorted(recorded_failures(s3_client, bucket)) == keys_of([broken_file("W"), broken_file("W2")])


def test_checkpoint_written_but_its_answer_lost_then_next_run_adds_no_duplicate(
    proxy: FaultProxy, faulty: S3Connector, bucket: str, s3_client: Any
) -> None:
    files = [*event_files("Q", 4), broken_file("Q")]
    put_files(s3_client, bucket, files)
    proxy.add(Rule(reset_after_forwarding, method="PUT", key=exactly(CHECKPOINT_KEY), on={1}))

    lost = run(bucket, faulty)
    again = run(bucket, faulty)

    assert (lost["statusCode"], lost["error"]) == (500, "StorageError")  # the write did happen
    assert checkpoint_keys(s3_client, bucket) == keys_of(event_files("Q", 4))
    assert (again["statusCode"], again["new_events_processed"], again["checkpoint_written"]) == (200, 0, False)
    assert_all_in_once(s3_client, bucket, event_files("Q", 4))
    assert list(recorded_failures(s3_client, bucket)) == [broken_file("Q").key]


# --- an existing checkpoint or failure record that is not ours ----------------------------


def _foreign_parquet(_: bytes) -> bytes:
    buffer = io.BytesIO()
    pl.DataFrame({"visit": ["a"], "count": [1]}).write_parquet(buffer)
    return buffer.getvalue()


def _retyped_parquet(ours: bytes) -> bytes:
    buffer = io.BytesIO()
    pl.read_parquet(io.BytesIO(ours)).with_columns(pl.col("pipeline_adcid").cast(pl.String)).write_parquet(buffer)
    return buffer.getvalue()


CORRUPTIONS: dict[str, tuple[str, Callable[[bytes], bytes], str]] = {
    "not parquet": (CHECKPOINT_KEY, lambda _: b"PAR1 this is not a parquet file", "not a readable parquet file"),
    "truncated parquet": (CHECKPOINT_KEY, lambda ours: ours[: len(ours) // 2], "not a readable parquet file"),
    "empty object": (CHECKPOINT_KEY, lambda _: b"", "not a readable parquet file"),
    "foreign schema": (CHECKPOINT_KEY, _foreign_parquet, "missing columns: action"),
    "a column retyped": (CHECKPOINT_KEY, _retyped_parquet, "pipeline_adcid is String (expected Int64)"),
    "failure record not JSON": (FAILURE_RECORD_KEY, lambda _: b"{not json", "unreadable failure record"),
}


@pytest.mark.parametrize(("target", "corrupt", "message"), CORRUPTIONS.values(), ids=list(CORRUPTIONS))
def test_an_unreadable_checkpoint_or_record_stops_the_run_and_nothing_is_overwritten(
    proxy: FaultProxy,
    faulty: S3Connector,
    connector: S3Connector,
    bucket: str,
    s3_client: Any,
    target: str,
    corrupt: Callable[[bytes], bytes],
    message: str,
) -> None:
    put_files(s3_client, bucket, [*event_files("U", 3), broken_file("U")])
    earlier_run(bucket, connector)
    ours = object_state(s3_client, bucket, target)
    assert ours is not None
    s3_client.put_object(Bucket=bucket, Key=target, Body=corrupt(ours.body))
    checkpoint_before = object_state(s3_client, bucket, CHECKPOINT_KEY)
    record_before = object_state(s3_client, bucket, FAILURE_RECORD_KEY)
    put_files(s3_client, bucket, [*event_files("U2", 2), broken_file("U2")])

    response = run(bucket, faulty)

    assert (response["statusCode"], response["error"]) == (500, "CheckpointUnreadable")
    assert message in response["message"]
    assert run_failed_metric() == [1.0]
    assert proxy.count("PUT") == 0
    assert object_state(s3_client, bucket, CHECKPOINT_KEY) == checkpoint_before
    assert object_state(s3_client, bucket, FAILURE_RECORD_KEY) == record_before


# --- another writer between our read and our write ----------------------------------------


def test_a_concurrent_writer_between_read_and_write_is_merged_and_nothing_is_lost(
    proxy: FaultProxy, patient: S3Connector, connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    """The other run writes the checkpoint just before our conditional PUT reaches S3; S3 (moto) answers 412."""
    earlier, ours, theirs = event_files("K0", 3), event_files("K1", 4), event_files("K2", 5, prefix="other/")
    put_files(s3_client, bucket, earlier)
    earlier_run(bucket, connector)
    put_files(s3_client, bucket, ours + theirs)
    other_runs: list[dict[str, Any]] = []

    def other_writer(_: S3Request) -> None:
        other_runs.append(run(bucket, connector, prefix="other/"))

    proxy.add(Rule(call_then(other_writer, pass_through), method="PUT", key=exactly(CHECKPOINT_KEY), on={1}))

    response = run(bucket, patient)

    assert [r["new_events_processed"] for r in other_runs] == [5]
    assert (response["statusCode"], response["new_events_processed"]) == (200, 4)
    assert proxy.count("PUT", CHECKPOINT_KEY) == 2  # 412, reload, merge, write again
    assert_all_in_once(s3_client, bucket, earlier + ours + theirs)
    frame = checkpoint_frame(s3_client, bucket)
    assert frame.get_column("timestamp").is_sorted()


def test_a_concurrent_runs_failures_survive_our_failure_record_write(
    proxy: FaultProxy, patient: S3Connector, connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    put_files(s3_client, bucket, event_files("F0", 2))
    earlier_run(bucket, connector)
    ours_broken, theirs_broken = broken_file("F1"), broken_file("F2")
    put_files(s3_client, bucket, [*event_files("F1", 2), ours_broken])

    def other_run_after_new_files(_: S3Request) -> None:
        put_files(s3_client, bucket, [*event_files("F2", 2), theirs_broken])
        run(bucket, connector)

    proxy.add(
        Rule(call_then(other_run_after_new_files, pass_through), method="PUT", key=exactly(CHECKPOINT_KEY), on={1})
    )

    run(bucket, patient)

    assert_all_in_once(s3_client, bucket, event_files("F0", 2) + event_files("F1", 2) + event_files("F2", 2))
    assert sorted(recorded_failures(s3_client, bucket)) == keys_of([ours_broken, theirs_broken])


def test_a_run_that_lost_the_race_with_nothing_left_to_add_reports_no_write(
    proxy: FaultProxy, patient: S3Connector, connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    put_files(s3_client, bucket, event_files("H0", 2))
    earlier_run(bucket, connector)
    put_files(s3_client, bucket, event_files("H1", 3))

    def other_run_of_the_same_files(_: S3Request) -> None:
        run(bucket, connector)

    proxy.add(
        Rule(call_then(other_run_of_the_same_files, pass_through), method="PUT", key=exactly(CHECKPOINT_KEY), on={1})
    )

    response = run(bucket, patient)

    assert (response["statusCode"], response["new_events_processed"]) == (200, 0)
    assert proxy.count("PUT", CHECKPOINT_KEY) == 1  # the 412; nothing left to write after the reload
    assert_all_in_once(s3_client, bucket, event_files("H0", 2) + event_files("H1", 3))
    assert response["checkpoint_written"] is False


# --- the process killed between fetching and writing --------------------------------------


@pytest.mark.parametrize("killed_before", [CHECKPOINT_KEY, FAILURE_RECORD_KEY], ids=["checkpoint PUT", "record PUT"])
def test_a_run_killed_before_writing_is_completed_by_the_next_run_without_duplicates(
    proxy: FaultProxy, connector: S3Connector, bucket: str, s3_client: Any, killed_before: str
) -> None:
    earlier = event_files("X0", 3)
    put_files(s3_client, bucket, earlier)
    earlier_run(bucket, connector)
    new = [*event_files("X1", 4), broken_file("X1")]
    put_files(s3_client, bucket, new)
    held = threading.Event()
    proxy.add(Rule(stall(60.0, held), method="PUT", key=exactly(killed_before)))
    child = subprocess.Popen(
        [sys.executable, "-m", "faults.child_run", proxy.url, json.dumps(payload(bucket))],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: proxy.count("PUT", killed_before) == 1 or child.poll() is not None, seconds=60)
        assert child.poll() is None, "the child run ended before reaching the write"
        assert all(proxy.count("GET", f.key) == 1 for f in new)  # everything new was fetched
    finally:
        child.kill()
        child.wait(timeout=10)
        held.set()
    expected_rows = earlier + event_files("X1", 4)
    if killed_before == CHECKPOINT_KEY:
        assert checkpoint_keys(s3_client, bucket) == keys_of(earlier)  # the work is lost, not half done
    else:
        assert checkpoint_keys(s3_client, bucket) == keys_of(expected_rows)
        assert recorded_failures(s3_client, bucket) == {}

    response = run(bucket, connector)

    assert response["statusCode"] == 200
    assert_all_in_once(s3_client, bucket, expected_rows)
    assert list(recorded_failures(s3_client, bucket)) == [broken_file("X1").key]
    assert response["files_listed"] == response["total_events"] + response["events_failed"]


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- a prefix crowded with other objects --------------------------------------------------

NON_EVENT_KEYS = 20_000  # see docs/RELIABILITY.md: moto's listing is O(keys) per page


def test_a_prefix_of_many_non_event_keys_is_listed_and_ignored(
    proxy: FaultProxy, patient: S3Connector, bucket: str, s3_client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Imported here: the quick loop collects this module without ever starting moto.
    from moto.backends import get_backend  # noqa: PLC0415
    from moto.core.models import DEFAULT_ACCOUNT_ID  # noqa: PLC0415

    backend = get_backend("s3")[DEFAULT_ACCOUNT_ID]["aws"]  # moto's server runs in this process
    for i in range(NON_EVENT_KEYS):
        backend.put_object(bucket, f"prod/exports/{i // 1000:03d}/part-{i:06d}.json", b"{}")
    files = event_files("M", 10)
    put_files(s3_client, bucket, files)
    started = time.perf_counter()
    response = run(bucket, patient)
    elapsed = time.perf_counter() - started

    assert response["statusCode"] == 200
    assert (response["files_listed"], response["files_non_event"]) == (10, NON_EVENT_KEYS)
    assert (response["files_fetched"], response["new_events_processed"]) == (10, 10)
    assert_all_in_once(s3_client, bucket, files)
    assert proxy.count("GET", listing=True) == (NON_EVENT_KEYS + 10) // 1000 + 1
    assert proxy.count("GET", listing=False) == 10 + 2  # the events, the checkpoint and the record
    with capsys.disabled():
        print(f"\n[{NON_EVENT_KEYS} non-event keys + 10 events: run took {elapsed:.2f} s]")  # measured, not asserted


def test_the_fault_matrix_in_the_docs_names_every_test_here() -> None:
    text = RELIABILITY_DOC.read_text(encoding="utf-8")
    tests = [name for name in globals() if name.startswith("test_") and "the_fault_matrix" not in name]
    assert [name for name in tests if f"`{name}" not in text] == []
