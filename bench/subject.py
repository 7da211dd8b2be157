"""The code under measurement, imported in one place: the benchmark drives the Lambda's own parts."""

from __future__ import annotations

from checkpoint_lambda.checkpoint import CHECKPOINT_SCHEMA, ORDER_COLUMNS, Checkpoint
from checkpoint_lambda.checkpoint import _frame_of as frame_of_events
from checkpoint_lambda.checkpoint_store import PARQUET_COMPRESSION, CheckpointStore
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.event_keys import parse_event_key
from checkpoint_lambda.event_parsing import parse_event
from checkpoint_lambda.failure_record import FailureRecord
from checkpoint_lambda.models import SourcedEvent, VisitEvent
from checkpoint_lambda.object_store import ObjectInfo, S3Connector
from checkpoint_lambda.observability import logger
from checkpoint_lambda.s3_retriever import S3EventRetriever
from checkpoint_lambda.service import run_checkpoint, select_unseen

HANDLER_MODULE = "checkpoint_lambda.lambda_function"

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
    "run_checkpoint",
    "select_unseen",
]
