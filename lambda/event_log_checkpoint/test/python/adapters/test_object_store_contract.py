"""One contract for the `ObjectStore` port, run against the in-memory fake and the S3 adapter on moto.

Whatever the service's unit tests learn from the fake holds for the real adapter,
because both pass every test here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from checkpoint_lambda.adapters.object_store import FetchedObject, FetchFailed, FetchOutcome, ObjectStore
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.domain.listing import ObjectInfo
from checkpoint_lambda.errors import BucketMissing, CheckpointAccessDenied, PreconditionFailed
from conftest import RestrictedCredentials
from fakes import InMemoryObjectStore


@dataclass
class Subject:
    """A store under test, how to arrange objects in its bucket, and a copy of it that is refused."""

    store: ObjectStore
    put: Callable[[str, bytes], None]
    refused: Callable[[], ObjectStore]
    in_missing_bucket: Callable[[], ObjectStore]
    put_archived: Callable[[str, bytes, str], None]


# The S3 half asks for moto's fixtures at run time, where collection cannot see them: marked here.
@pytest.fixture(params=["memory", pytest.param("s3", marks=pytest.mark.s3_server)])
def subject(request: pytest.FixtureRequest) -> Subject:
    if request.param == "memory":
        fake = InMemoryObjectStore(access_denied=CheckpointAccessDenied)

        def refused_fake() -> ObjectStore:
            fake.denied.add("")
            return fake

        def put_fake(key: str, data: bytes) -> None:
            fake.put(key, data)

        def put_archived_fake(key: str, data: bytes, storage_class: str) -> None:
            fake.put(key, data, storage_class)

        return Subject(
            fake, put_fake, refused_fake, lambda: InMemoryObjectStore(bucket_missing=True), put_archived_fake
        )
    connector: S3Connector = request.getfixturevalue("connector")
    bucket: str = request.getfixturevalue("bucket")
    s3_client = request.getfixturevalue("s3_client")
    restricted: RestrictedCredentials = request.getfixturevalue("restricted_credentials")

    def refused_s3() -> ObjectStore:
        keys = restricted.deny(["s3:*"])
        return S3ObjectStore(S3Connector(connector.settings, keys), bucket, CheckpointAccessDenied)

    return Subject(
        S3ObjectStore(connector, bucket, CheckpointAccessDenied),
        lambda key, data: s3_client.put_object(Bucket=bucket, Key=key, Body=data),
        refused_s3,
        lambda: S3ObjectStore(connector, f"{bucket}-typo", CheckpointAccessDenied),
        lambda key, data, storage_class: s3_client.put_object(
            Bucket=bucket, Key=key, Body=data, StorageClass=storage_class
        ),
    )


def fetch_all(
    store: ObjectStore, infos: list[ObjectInfo], keep_going: Callable[[], bool] = lambda: True
) -> dict[str, FetchOutcome]:
    outcomes: dict[str, FetchOutcome] = {}
    store.fetch_each(infos, lambda info, outcome: outcomes.__setitem__(info.key, outcome), keep_going)
    return outcomes


def test_listing_is_every_key_under_the_prefix_in_key_order(subject: Subject) -> None:
    keys = ["p/b.json", "p/a.json", "p/sub/c.json", "q/d.json", "p", "pa/e.json"]
    for key in keys:
        subject.put(key, key.encode())
    listed = list(subject.store.list_objects("p/"))
    assert [info.key for info in listed] == ["p/a.json", "p/b.json", "p/sub/c.json"]
    assert [info.size for info in listed] == [len(b"p/a.json"), len(b"p/b.json"), len(b"p/sub/c.json")]
    assert all(info.etag.startswith('"') and info.last_modified.tzinfo for info in listed)


def test_listing_pages_past_a_thousand_keys(subject: Subject) -> None:
    for n in range(1003):
        subject.put(f"many/{n:05d}", b"x")
    assert [info.key for info in subject.store.list_objects("many/")] == [f"many/{n:05d}" for n in range(1003)]


def test_read_is_none_only_for_an_absent_object(subject: Subject) -> None:
    assert subject.store.read("absent/key") is None
    subject.put("there/key", b"content")
    found = subject.store.read("there/key")
    assert found is not None
    assert found.data == b"content"
    assert found.etag == next(iter(subject.store.list_objects("there/"))).etag


def test_writes_are_conditional(subject: Subject) -> None:
    store = subject.store
    first = store.write("c/k", b"one", None)
    with pytest.raises(PreconditionFailed):
        store.write("c/k", b"again", None)  # If-None-Match: * on an existing object
    second = store.write("c/k", b"two", first)
    assert second != first
    with pytest.raises(PreconditionFailed):
        store.write("c/k", b"stale", first)  # If-Match with an old ETag
    with pytest.raises(PreconditionFailed):
        store.write("c/missing", b"x", second)  # If-Match on a key that does not exist
    found = store.read("c/k")
    assert found is not None
    assert (found.data, found.etag) == (b"two", second)


def test_fetch_each_reads_every_object_once_with_its_version(subject: Subject) -> None:
    for n in range(40):
        subject.put(f"f/{n:02d}.json", f"body {n}".encode())
    infos = list(subject.store.list_objects("f/"))
    outcomes = fetch_all(subject.store, infos)
    assert sorted(outcomes) == [info.key for info in infos]
    for info in infos:
        outcome = outcomes[info.key]
        assert isinstance(outcome, FetchedObject)
        assert (outcome.data, outcome.etag) == (f"body {int(info.key[2:4])}".encode(), info.etag)
        assert outcome.last_modified.tzinfo is not None


def test_a_vanished_object_is_a_fetch_failure_not_an_error(subject: Subject) -> None:
    subject.put("v/there", b"x")
    there = next(iter(subject.store.list_objects("v/")))
    gone = ObjectInfo("v/gone", '"0"', there.last_modified, 1)
    outcomes = fetch_all(subject.store, [there, gone])
    assert isinstance(outcomes["v/there"], FetchedObject)
    failed = outcomes["v/gone"]
    assert isinstance(failed, FetchFailed)
    assert "404" in failed.reason
    assert not failed.archived
    assert failed.missing


def test_fetch_each_takes_nothing_once_told_to_stop(subject: Subject) -> None:
    for n in range(5):
        subject.put(f"s/{n}", b"x")
    infos = list(subject.store.list_objects("s/"))
    assert fetch_all(subject.store, infos, keep_going=lambda: False) == {}


def test_refusals_raise_the_stores_access_denied_error(subject: Subject) -> None:
    subject.put("d/k", b"x")
    info = next(iter(subject.store.list_objects("d/")))
    refused = subject.refused()
    with pytest.raises(CheckpointAccessDenied, match="denied"):
        list(refused.list_objects("d/"))
    with pytest.raises(CheckpointAccessDenied, match="denied"):
        refused.read("d/k")
    with pytest.raises(CheckpointAccessDenied, match="denied"):
        refused.write("d/new", b"x", None)
    outcome = fetch_all(refused, [info])["d/k"]
    assert isinstance(outcome, FetchFailed)
    assert "AccessDenied" in outcome.reason


def test_a_missing_bucket_is_an_error_on_every_call_never_an_absent_key(subject: Subject) -> None:
    """Only a missing key means "no checkpoint yet"; a missing bucket taken for one would
    fetch the whole log and then lose every conditional write as a "race"."""
    store = subject.in_missing_bucket()
    with pytest.raises(BucketMissing, match="does not exist"):
        store.read("c/events.parquet")
    with pytest.raises(BucketMissing, match="does not exist"):
        store.write("c/events.parquet", b"x", None)
    with pytest.raises(BucketMissing, match="does not exist"):
        store.write("c/events.parquet", b"x", '"abc"')
    with pytest.raises(BucketMissing, match="does not exist"):
        list(store.list_objects("p/"))


def test_listing_names_the_storage_class_of_archived_objects(subject: Subject) -> None:
    subject.put("a/hot", b"x")
    subject.put_archived("a/cold", b"x", "GLACIER")
    subject.put_archived("a/colder", b"x", "DEEP_ARCHIVE")
    classes = {info.key: info.storage_class for info in subject.store.list_objects("a/")}
    assert classes["a/cold"] == "GLACIER"
    assert classes["a/colder"] == "DEEP_ARCHIVE"
    assert classes["a/hot"] in {None, "STANDARD"}
    assert [info.archived_by_class for info in subject.store.list_objects("a/")] == [True, True, False]


def test_head_says_whether_an_object_is_readable_and_none_when_absent(subject: Subject) -> None:
    subject.put("h/hot", b"x")
    subject.put_archived("h/cold", b"x", "GLACIER")
    hot, cold = subject.store.head("h/hot"), subject.store.head("h/cold")
    assert hot is not None
    assert cold is not None
    assert (hot.readable, cold.readable, cold.storage_class, cold.restoring) == (True, False, "GLACIER", False)
    assert hot.etag == next(iter(subject.store.list_objects("h/hot"))).etag
    assert subject.store.head("h/absent") is None


def test_an_archived_object_fails_its_fetch_as_archived_until_restored_then_reads(subject: Subject) -> None:
    subject.put_archived("r/cold", b"cold content", "GLACIER")
    info = next(iter(subject.store.list_objects("r/")))
    failed = fetch_all(subject.store, [info])["r/cold"]
    assert isinstance(failed, FetchFailed)
    assert failed.archived
    assert "InvalidObjectState" in failed.reason
    assert subject.store.restore("r/cold", "bulk") is True
    state = subject.store.head("r/cold")
    assert state is not None
    assert state.readable  # restores complete at once here (on moto's server too)
    fetched = fetch_all(subject.store, [info])["r/cold"]
    assert isinstance(fetched, FetchedObject)
    assert fetched.data == b"cold content"


def test_head_and_restore_are_refused_with_the_stores_access_denied_error(subject: Subject) -> None:
    subject.put_archived("d/cold", b"x", "GLACIER")
    refused = subject.refused()
    with pytest.raises(CheckpointAccessDenied, match="denied"):
        refused.head("d/cold")
    with pytest.raises(CheckpointAccessDenied, match="denied"):
        refused.restore("d/cold", "standard")
