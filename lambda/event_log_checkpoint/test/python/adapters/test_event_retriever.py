"""S3EventRetriever against moto's server: listing every page, retrieving every file whole,
and one failing file never stopping the others."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import EXAMPLE
from checkpoint_devtools.local_s3 import upload
from checkpoint_devtools.sample_log import LogFile, event_key
from checkpoint_lambda.adapters.event_retriever import SANDBOX_REASON, S3EventRetriever
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.domain.event_parsing import MAX_EVENT_FILE_BYTES
from checkpoint_lambda.domain.events import VisitEvent
from checkpoint_lambda.errors import SourceAccessDenied
from profiles import examples
from strategies import event_dicts

_prefixes = itertools.count()
PROPERTY_SETTINGS = settings(
    max_examples=examples(8),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def retriever_for(connector: S3Connector, bucket: str, **options: Any) -> S3EventRetriever:
    return S3EventRetriever(S3ObjectStore(connector, bucket, SourceAccessDenied), **options)


def new_prefix() -> str:
    return f"run{next(_prefixes)}/"


def file_of(prefix: str, fields: dict[str, Any], shape: str | None = None) -> LogFile:
    return LogFile(event_key(prefix, fields, shape), json.dumps(fields).encode())


def test_listing_pages_through_more_than_1000_keys(connector: S3Connector, bucket: str) -> None:
    store = connector.store(bucket)
    files = [LogFile(f"p/log-submit-20240101-{i:06d}-42-ingest-form-P{i}-01.json", b"{}") for i in range(1005)]
    upload(store, [*files, LogFile("p/.keep", b""), LogFile("p/notes.txt", b"x")])
    listing = retriever_for(connector, bucket).list_event_files("p/")
    assert listing.files_listed == 1005
    assert len(listing.events) == 1005
    assert listing.non_event_keys == 2


def test_listing_skips_sandbox_names_and_honours_since(connector: S3Connector, bucket: str) -> None:
    store = connector.store(bucket)
    sandbox = {**EXAMPLE, "project_label": "sandbox-form"}
    upload(store, [file_of("p/", EXAMPLE), file_of("p/", sandbox)])
    listing = retriever_for(connector, bucket).list_event_files("p/")
    assert (len(listing.events), listing.sandbox_by_name) == (1, 1)
    assert len(retriever_for(connector, bucket, include_sandbox=True).list_event_files("p/").events) == 2
    later = datetime.now(UTC) + timedelta(hours=1)
    narrowed = retriever_for(connector, bucket).list_event_files("p/", since=later)
    assert (len(narrowed.events), narrowed.before_since, narrowed.files_listed) == (0, 1, 2)


def test_sandbox_content_under_an_ordinary_name_is_skipped_and_said(connector: S3Connector, bucket: str) -> None:
    store = connector.store(bucket)
    disguised = LogFile(event_key("p/", EXAMPLE), json.dumps({**EXAMPLE, "project_label": "sandbox-x"}).encode())
    upload(store, [disguised])
    retriever = retriever_for(connector, bucket)
    retrieval = retriever.retrieve_and_validate_events(retriever.list_event_files("p/").events)
    assert retrieval.events == []
    assert [(s.key, s.reason) for s in retrieval.skipped] == [(disguised.key, SANDBOX_REASON)]


def test_oversized_files_are_refused_without_reading(connector: S3Connector, bucket: str) -> None:
    store = connector.store(bucket)
    upload(store, [LogFile("p/log-submit-20240115.json", b" " * (MAX_EVENT_FILE_BYTES + 1))])
    retriever = retriever_for(connector, bucket)
    retrieval = retriever.retrieve_and_validate_events(retriever.list_event_files("p/").events)
    assert [f.reason.split(":")[0] for f in retrieval.failures] == ["file too large"]


@PROPERTY_SETTINGS
@given(
    events=st.lists(event_dicts(project_label="ingest-form"), min_size=1, max_size=25, unique_by=lambda e: e["ptid"])
)
def test_every_listed_file_is_retrieved_whole(
    connector: S3Connector, bucket: str, events: list[dict[str, Any]]
) -> None:
    prefix = new_prefix()
    files = [
        LogFile(f"{prefix}log-submit-20240101-000000-42-ingest-form-x-{i}.json", json.dumps(e).encode())
        for i, e in enumerate(events)
    ]
    store = connector.store(bucket)
    upload(store, files)
    retriever = retriever_for(connector, bucket)
    retrieval = retriever.retrieve_and_validate_events(retriever.list_event_files(prefix).events)
    assert retrieval.failures == []
    by_key = {e.source_key: e for e in retrieval.events}
    assert set(by_key) == {f.key for f in files}
    for file, fields in zip(files, events, strict=True):
        assert by_key[file.key].event == VisitEvent.model_validate(fields)
        assert by_key[file.key].source_etag.strip('"')


BAD_BODIES = st.sampled_from([b"", b"{", b"null", b"[1, 2]", b'{"action": "submit"}', b"\xff\xfe", b'"x"'])


@PROPERTY_SETTINGS
@given(
    good=st.lists(event_dicts(project_label="ingest-form"), max_size=10),
    bad=st.lists(BAD_BODIES, max_size=10),
)
def test_failing_files_never_stop_the_others(
    connector: S3Connector, bucket: str, good: list[dict[str, Any]], bad: list[bytes]
) -> None:
    prefix = new_prefix()
    good_files = [
        LogFile(f"{prefix}log-submit-20240101-000000-1-ingest-form-g-{i}.json", json.dumps(e).encode())
        for i, e in enumerate(good)
    ]
    bad_files = [
        LogFile(f"{prefix}log-delete-20240101-000000-1-ingest-form-b-{i}.json", body) for i, body in enumerate(bad)
    ]
    store = connector.store(bucket)
    upload(store, good_files + bad_files)
    retriever = retriever_for(connector, bucket)
    retrieval = retriever.retrieve_and_validate_events(retriever.list_event_files(prefix).events)
    assert {e.source_key for e in retrieval.events} == {f.key for f in good_files}
    assert {f.key for f in retrieval.failures} == {f.key for f in bad_files}
    assert all(f.reason for f in retrieval.failures)


def test_a_file_deleted_after_listing_is_a_failure_not_a_crash(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    store = connector.store(bucket)
    upload(store, [file_of("p/", EXAMPLE)])
    retriever = retriever_for(connector, bucket)
    listed = retriever.list_event_files("p/").events
    s3_client.delete_object(Bucket=bucket, Key=listed[0].key)
    retrieval = retriever.retrieve_and_validate_events(listed)
    assert retrieval.events == []
    assert "vanished" in retrieval.failures[0].reason


def test_progress_is_reported_per_file(connector: S3Connector, bucket: str) -> None:
    store = connector.store(bucket)
    upload(store, [file_of("p/", {**EXAMPLE, "ptid": f"P{i}"}) for i in range(5)])
    seen: list[tuple[int, int]] = []
    retriever = retriever_for(connector, bucket, progress=lambda done, total: seen.append((done, total)))
    retriever.retrieve_and_validate_events(retriever.list_event_files("p/").events)
    assert seen == [(i, 5) for i in range(1, 6)]


def test_keys_obstore_cannot_address_are_read_through_boto3(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    odd_keys = ["p//log-submit-20240115.json", "/log-pass-qc-20240115.json", "p/./log-delete-20240115.json"]
    for key in odd_keys:
        s3_client.put_object(Bucket=bucket, Key=key, Body=json.dumps(EXAMPLE).encode())
    retriever = retriever_for(connector, bucket)
    listing = retriever.list_event_files("")
    assert sorted(listing.versions) == sorted(odd_keys)
    retrieval = retriever.retrieve_and_validate_events(listing.events)
    assert retrieval.failures == []
    assert sorted(e.source_key for e in retrieval.events) == sorted(odd_keys)
