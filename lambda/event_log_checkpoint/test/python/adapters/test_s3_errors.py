"""The S3 error parsing, on errors that obstore and boto3 really raise (moto's server, and the fault
proxy for answers moto does not give): one test per code the job must recognise, so that an
upgrade that changes obstore's messages fails here instead of silently."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import obstore
import pytest
from botocore.exceptions import ClientError

from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.adapters.s3_errors import (
    describe_error,
    http_status,
    is_access_denied,
    is_archived,
    s3_error_code,
)
from checkpoint_lambda.config import S3Settings
from conftest import RestrictedCredentials
from faults.fault_proxy import ACCESS_DENIED, SLOW_DOWN, FaultProxy, Rule


@pytest.fixture
def proxy(s3_endpoint: str) -> Iterator[FaultProxy]:
    running = FaultProxy(s3_endpoint).start()
    yield running
    running.stop()


def obstore_error(connector: S3Connector, bucket: str, key: str) -> BaseException:
    with pytest.raises(Exception) as raised:  # noqa: PT011 - the point is to capture whatever obstore raises
        obstore.get(connector.store(bucket), key).bytes()
    return raised.value


def through(proxy: FaultProxy) -> S3Connector:
    return S3Connector(S3Settings(endpoint_url=proxy.url, region="us-east-1", max_retries=0, retry_timeout_s=1.0))


def test_access_denied_from_iam_is_recognised(
    connector: S3Connector, bucket: str, s3_client: Any, restricted_credentials: RestrictedCredentials
) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"x")
    keys = restricted_credentials.deny(["s3:GetObject"])
    error = obstore_error(S3Connector(connector.settings, keys), bucket, "k")
    assert is_access_denied(error)
    assert not is_archived(error)
    assert describe_error(error).startswith(("AccessDenied", "PermissionDenied"))


def test_access_denied_as_an_s3_error_document_is_recognised(proxy: FaultProxy, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"x")
    proxy.add(Rule(ACCESS_DENIED, method="GET", key="^k$"))
    error = obstore_error(through(proxy), bucket, "k")
    assert is_access_denied(error)
    assert http_status(error) in {403, None}


def test_an_archived_object_is_invalid_object_state(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    s3_client.put_object(Bucket=bucket, Key="old", Body=b"x", StorageClass="GLACIER")
    error = obstore_error(connector, bucket, "old")
    assert s3_error_code(error) == "InvalidObjectState"
    assert is_archived(error)
    assert not is_access_denied(error)
    assert describe_error(error) == "InvalidObjectState HTTP 403"


def test_throttling_keeps_its_code_and_status(proxy: FaultProxy, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    s3_client.put_object(Bucket=bucket, Key="busy", Body=b"x")
    proxy.add(Rule(SLOW_DOWN, method="GET", key="^busy$"))
    error = obstore_error(through(proxy), bucket, "busy")
    assert (s3_error_code(error), http_status(error)) == ("SlowDown", 503)
    assert describe_error(error) == "SlowDown HTTP 503"
    assert not is_access_denied(error)


def test_a_missing_object_is_file_not_found(connector: S3Connector, bucket: str) -> None:
    error = obstore_error(connector, bucket, "nothing/here")
    assert isinstance(error, FileNotFoundError)
    assert "404" in describe_error(error)


def test_boto3_errors_read_their_code_and_status(connector: S3Connector, s3_client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as raised:
        connector.client().list_objects_v2(Bucket="no-such-bucket-anywhere")
    assert (s3_error_code(raised.value), http_status(raised.value)) == ("NoSuchBucket", 404)
    assert describe_error(raised.value) == "NoSuchBucket HTTP 404"


def test_a_connection_failure_says_what_happened(bucket: str) -> None:
    unreachable = S3Connector(S3Settings(endpoint_url="http://127.0.0.1:9", max_retries=0, retry_timeout_s=1.0))
    error = obstore_error(unreachable, bucket, "k")
    reason = describe_error(error)
    assert reason.startswith(type(error).__name__)
    assert "\n" not in reason
    assert len(reason) < 300
