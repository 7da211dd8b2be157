"""Every kind of hostile input in ONE run through the handler against moto: each kind's verdict, nothing lost.

The run reads through a pass-through fault proxy only to count the GETs: files refused
from their listed size, sandbox names and non-event names must never be read.
"""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import polars as pl
import pytest

from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.entrypoints.adapters import s3_adapters
from checkpoint_lambda.entrypoints.lambda_function import handle
from checkpoint_lambda.observability import SERVICE, logger, metrics
from corpus.hostile_inputs import CANARY, RunBreaker, corpus, key_of, run_breakers
from faults.fault_proxy import FaultProxy
from faults.s3_state import (
    CHECKPOINT_KEY,
    FAILURE_RECORD_KEY,
    checkpoint_keys,
    event_files,
    keys_of,
    object_state,
    payload,
    put_files,
)

PREFIX = "corpus/"
KINDS = corpus()
BREAKERS = run_breakers()
VALID_SET = event_files("V", 20, prefix=PREFIX)
RELIABILITY_DOC = Path(__file__).resolve().parents[5] / "docs" / "RELIABILITY.md"


@dataclass(frozen=True)
class CorpusRun:
    """What one run over the whole corpus left behind."""

    response: dict[str, Any]
    rows: pl.DataFrame
    failures: dict[str, str]  # key -> reason, from the failure record (the response lists at most 100)
    skipped: dict[str, str]
    gets: dict[str, int]  # key -> how many GETs the run made for it
    logs: str
    record: bytes

    def rows_of(self, key: str) -> pl.DataFrame:
        return self.rows.filter(pl.col("source_key") == key)


@pytest.fixture(scope="module")
def corpus_run(s3_endpoint: str) -> CorpusRun:
    """Uploads every kind and the valid set, runs once through `handle`, and keeps what it left."""
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    bucket = "hostile-input-corpus"
    s3.create_bucket(Bucket=bucket)
    for index, kind in enumerate(KINDS):
        s3.put_object(Bucket=bucket, Key=key_of(PREFIX, index, kind), Body=kind.body)
    put_files(s3, bucket, VALID_SET)
    proxy = FaultProxy(s3_endpoint).start()
    log = io.StringIO()
    capture = logging.StreamHandler(log)
    capture.setFormatter(logger.registered_formatter)
    logging.getLogger(SERVICE).addHandler(capture)
    try:
        connector = S3Connector(S3Settings(endpoint_url=proxy.url, region="us-east-1", fetch_concurrency=16))
        response = handle(payload(bucket, PREFIX), env={}, adapters=s3_adapters(connector))
    finally:
        logging.getLogger(SERVICE).removeHandler(capture)
        proxy.stop()
        metrics.clear_metrics()
    record = object_state(s3, bucket, FAILURE_RECORD_KEY)
    checkpoint = object_state(s3, bucket, CHECKPOINT_KEY)
    assert record is not None, response
    assert checkpoint is not None, response
    entries = json.loads(record.body)
    gets: dict[str, int] = {}
    for seen in proxy.seen:
        if seen.method == "GET" and not seen.is_listing:
            gets[seen.key] = gets.get(seen.key, 0) + 1
    return CorpusRun(
        response=response,
        rows=pl.read_parquet(io.BytesIO(checkpoint.body)),
        failures={row["key"]: row["reason"] for row in entries["failures"]},
        skipped={row["key"]: row["reason"] for row in entries["skipped"]},
        gets=gets,
        logs=log.getvalue(),
        record=record.body,
    )


@pytest.mark.parametrize("index", range(len(KINDS)), ids=[kind.name for kind in KINDS])
def test_each_kind_has_its_expected_outcome(corpus_run: CorpusRun, index: int) -> None:
    kind = KINDS[index]
    key = key_of(PREFIX, index, kind)
    rows = corpus_run.rows_of(key)
    if kind.outcome in {"valid", "normalised"}:
        assert rows.height == 1
        row = rows.row(0, named=True)
        assert {column: row[column] for column in kind.row} == dict(kind.row)
        assert row["gear_name"] == CANARY
        assert key not in corpus_run.failures
    elif kind.outcome == "invalid":
        assert rows.height == 0
        assert kind.detail in corpus_run.failures[key]
    else:
        assert rows.height == 0
        assert key not in corpus_run.failures
        assert corpus_run.skipped.get(key) == (kind.detail if kind.outcome == "skipped" and kind.fetched else None)
    assert corpus_run.gets.get(key, 0) == (1 if kind.fetched else 0)


def test_the_run_succeeds_and_every_valid_file_reaches_the_checkpoint(corpus_run: CorpusRun) -> None:
    response = corpus_run.response
    assert response["statusCode"] == 200
    accepted = [key_of(PREFIX, i, k) for i, k in enumerate(KINDS) if k.outcome in {"valid", "normalised"}]
    assert sorted(corpus_run.rows.get_column("source_key").to_list()) == sorted([*accepted, *keys_of(VALID_SET)])
    assert response["new_events_processed"] == response["total_events"] == len(accepted) + len(VALID_SET)


def test_no_event_is_lost_every_listed_file_is_a_row_a_failure_or_a_skip(corpus_run: CorpusRun) -> None:
    response = corpus_run.response
    counted = {
        outcome: sum(1 for kind in KINDS if kind.outcome == outcome)
        for outcome in ("valid", "normalised", "invalid", "skipped", "ignored")
    }
    skipped = response["files_sandbox_skipped"] + response["sandbox_content_skipped"]
    lost = response["files_listed"] - (corpus_run.rows.height + response["events_failed"] + skipped)
    assert lost == 0
    assert response["files_listed"] == len(KINDS) - counted["ignored"] + len(VALID_SET)
    assert (response["events_failed"], skipped) == (counted["invalid"], counted["skipped"])
    assert response["files_non_event"] == counted["ignored"]
    assert set(corpus_run.failures) == {key_of(PREFIX, i, k) for i, k in enumerate(KINDS) if k.outcome == "invalid"}


def test_logs_response_and_record_carry_keys_and_reasons_never_event_bodies(corpus_run: CorpusRun) -> None:
    assert CANARY not in json.dumps(corpus_run.response, ensure_ascii=False)
    assert CANARY not in corpus_run.logs
    assert CANARY not in corpus_run.record.decode()
    failed_lines = [json.loads(line) for line in corpus_run.logs.splitlines() if '"event file failed"' in line]
    assert {line["key"]: line["reason"] for line in failed_lines} == corpus_run.failures


def test_the_docs_table_lists_every_kind_and_every_run_breaker() -> None:
    text = RELIABILITY_DOC.read_text(encoding="utf-8")
    cells = {match.strip() for match in re.findall(r"^\|([^|]+)\|", text, flags=re.MULTILINE)}
    missing = [name for name in [k.name for k in KINDS] + [b.name for b in BREAKERS] if name not in cells]
    assert missing == []


def test_an_event_key_with_a_leading_slash_is_read(connector: S3Connector, bucket: str, s3_client: Any) -> None:
    file = event_files("S", 1, prefix="/")[0]
    put_files(s3_client, bucket, [file])

    response = handle(payload(bucket, ""), env={}, adapters=s3_adapters(connector))
    metrics.clear_metrics()

    assert (response["statusCode"], response["files_listed"]) == (200, 1)
    assert checkpoint_keys(s3_client, bucket) == [file.key]


@pytest.mark.parametrize("breaker", BREAKERS, ids=[b.name for b in BREAKERS])
def test_an_input_that_once_stopped_the_whole_run_fails_only_itself(
    connector: S3Connector, bucket: str, s3_client: Any, breaker: RunBreaker
) -> None:
    """Fixed defects: each of these once stopped every run until someone removed it."""
    valid = event_files("V", 3, prefix=PREFIX)
    put_files(s3_client, bucket, valid)
    s3_client.put_object(Bucket=bucket, Key=PREFIX + breaker.file_name, Body=breaker.body)

    response = handle(payload(bucket, PREFIX), env={}, adapters=s3_adapters(connector))
    metrics.clear_metrics()

    assert response["statusCode"] == 200, response.get("message")
    assert set(keys_of(valid)) <= set(checkpoint_keys(s3_client, bucket))
