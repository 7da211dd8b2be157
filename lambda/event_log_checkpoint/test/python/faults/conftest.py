"""Fixtures of the fault tests: the fault proxy in front of moto, and a connector that goes through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.observability import metrics
from faults.fault_proxy import FaultProxy

# Tight enough to keep the suite fast, loose enough for moto on a busy 2-core machine.
REQUEST_TIMEOUT_S = 1.0
MAX_RETRIES = 2


@pytest.fixture
def proxy(s3_endpoint: str) -> Iterator[FaultProxy]:
    """A fault proxy with no rules yet: until a test adds one, it forwards everything."""
    running = FaultProxy(s3_endpoint).start()
    yield running
    running.stop()


@pytest.fixture
def faulty(proxy: FaultProxy) -> S3Connector:
    """The code's S3 access, pointed at the proxy, with few retries and short timeouts."""
    settings = S3Settings(
        endpoint_url=proxy.url,
        region="us-east-1",
        fetch_concurrency=8,
        max_retries=MAX_RETRIES,
        retry_timeout_s=10.0,
        connect_timeout_s=1.0,
        request_timeout_s=REQUEST_TIMEOUT_S,
    )
    return S3Connector(settings)


@pytest.fixture
def patient(proxy: FaultProxy) -> S3Connector:
    """Through the proxy too, but with time for slow moments (another run inside a request, big listings)."""
    return S3Connector(S3Settings(endpoint_url=proxy.url, region="us-east-1", request_timeout_s=60.0))


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    """`handle` adds to the process-wide Powertools metrics; each test reads only its own."""
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()
