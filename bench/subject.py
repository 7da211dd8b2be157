"""The code under measurement, imported in one place: the benchmark drives the Lambda's own parts.

`run_config`, `ports` and `source_objects` build what the handler builds, for one
checkpoint object (the single-object layout).
"""

from __future__ import annotations

from checkpoint_lambda.adapters.checkpoint_store import PARQUET_COMPRESSION, CheckpointStore
from checkpoint_lambda.adapters.event_retriever import S3EventRetriever
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.checkpoint import frame_of as frame_of_events
from checkpoint_lambda.domain.event_keys import parse_event_key
from checkpoint_lambda.domain.event_parsing import parse_event
from checkpoint_lambda.domain.events import SourcedEvent, VisitEvent
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.domain.layout import SingleObject
from checkpoint_lambda.domain.listing import ObjectInfo, select_unseen
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS
from checkpoint_lambda.entrypoints.adapters import build_adapters
from checkpoint_lambda.errors import CheckpointAccessDenied, SourceAccessDenied
from checkpoint_lambda.observability import logger
from checkpoint_lambda.service import RunAdapters, run_checkpoint

HANDLER_MODULE = "checkpoint_lambda.entrypoints.lambda_function"


def run_config(bucket: str, prefix: str, checkpoint_key: str) -> RunConfig:
    """A run over `prefix` of `bucket` into one checkpoint object in the same bucket."""
    return RunConfig(bucket, prefix, bucket, SingleObject(checkpoint_key))


def ports(config: RunConfig, connector: S3Connector) -> RunAdapters:
    return build_adapters(config, connector)


def source_objects(connector: S3Connector, bucket: str) -> S3ObjectStore:
    return S3ObjectStore(connector, bucket, access_denied=SourceAccessDenied)


def target_objects(connector: S3Connector, bucket: str) -> S3ObjectStore:
    return S3ObjectStore(connector, bucket, access_denied=CheckpointAccessDenied)


__all__ = [
    "CHECKPOINT_SCHEMA",
    "HANDLER_MODULE",
    "ORDER_COLUMNS",
    "PARQUET_COMPRESSION",
    "Checkpoint",
    "CheckpointStore",
    "FailureRecord",
    "ObjectInfo",
    "RunConfig",
    "S3Connector",
    "S3EventRetriever",
    "S3Settings",
    "SourcedEvent",
    "VisitEvent",
    "frame_of_events",
    "logger",
    "parse_event",
    "parse_event_key",
    "ports",
    "run_checkpoint",
    "run_config",
    "select_unseen",
    "source_objects",
    "target_objects",
]
