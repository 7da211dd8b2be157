"""Shared fixtures: one real S3 API endpoint (moto's server) per session, a fresh bucket per test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.object_store import S3Connector

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }
)
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_var, None)

_bucket_numbers = itertools.count()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1, a random free port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_settings(s3_endpoint: str) -> S3Settings:
    return S3Settings(endpoint_url=s3_endpoint, region="us-east-1", fetch_concurrency=16, max_retries=1)


@pytest.fixture
def connector(s3_settings: S3Settings) -> S3Connector:
    return S3Connector(s3_settings)


@pytest.fixture
def s3_client(s3_endpoint: str):  # type: ignore[no-untyped-def]
    """A plain boto3 client for arranging and inspecting test state (not the code under test)."""
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture
def bucket(s3_client) -> str:  # type: ignore[no-untyped-def]
    """A new, empty bucket for each test."""
    name = f"test-bucket-{os.getpid()}-{next(_bucket_numbers)}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def endpoint_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Points code that reads the environment (handler, CLI) at the test endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    return s3_endpoint
