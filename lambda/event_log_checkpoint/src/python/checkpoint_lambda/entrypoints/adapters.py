"""The one place the real adapters are built: S3 through one connector per process."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.event_retriever import Progress, S3EventRetriever
from checkpoint_lambda.adapters.failure_record_store import FailureRecordStore
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.errors import (
    CheckpointAccessDenied,
    CheckpointBucketMissing,
    SourceAccessDenied,
    SourceBucketMissing,
)
from checkpoint_lambda.service import RunAdapters

#: Builds a run's adapters for its configuration (and an optional progress callback).
AdapterFactory = Callable[[RunConfig, Progress | None], RunAdapters]


@cache
def default_connector() -> S3Connector:
    """Built on first use and kept for warm invocations (its connection pool too)."""
    return S3Connector(S3Settings.from_env())


def build_adapters(
    config: RunConfig,
    connector: S3Connector,
    progress: Progress | None = None,
    on_listed: Callable[[int], None] | None = None,
) -> RunAdapters:
    """The real adapters for `config`; `progress` hears of fetching, `on_listed` of listing."""
    source = S3ObjectStore(connector, config.source_bucket, SourceAccessDenied, SourceBucketMissing)
    target = S3ObjectStore(connector, config.checkpoint_bucket, CheckpointAccessDenied, CheckpointBucketMissing)
    retriever = S3EventRetriever(source, include_sandbox=config.include_sandbox, progress=progress, on_listed=on_listed)
    return RunAdapters(retriever, CheckpointStore(target), FailureRecordStore(target))


def s3_adapters(connector: S3Connector | None = None, on_listed: Callable[[int], None] | None = None) -> AdapterFactory:
    """The factory of real adapters on `connector` (default: the process's own, from the environment)."""
    return lambda config, progress: build_adapters(config, connector or default_connector(), progress, on_listed)
