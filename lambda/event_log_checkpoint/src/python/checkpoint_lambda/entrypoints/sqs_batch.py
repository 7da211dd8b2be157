"""The event path's entry point: an SQS batch of S3 "Object Created" messages → one ingestion.

The whole batch is ingested at once (one merge and write per touched group, not one per
message); then Powertools' batch utilities answer SQS with the messages to deliver again:
those whose file could not be read (throttled, denied) or whose group's write failed, and
those that are not S3 events at all. Content failures are recorded and their messages
succeed. An error that stops the whole ingestion fails every message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.notifications import NotifiedObject, UnreadableNotification, objects_in_message
from checkpoint_lambda.entrypoints.adapters import AdapterFactory, s3_adapters
from checkpoint_lambda.errors import CheckpointError
from checkpoint_lambda.event_ingestion import BatchOutcome, ingest_notified
from checkpoint_lambda.observability import logger
from checkpoint_lambda.run_metrics import emit_batch_metrics, emit_run_failed


class MessageNotIngested(Exception):
    """Raised for a message SQS must deliver again; Powertools turns it into a batch item failure."""


def lambda_batch(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The handler's SQS path: the batch response, with its metrics."""
    try:
        response, outcome = handle_sqs_batch(event, context)
    except BatchProcessingError:
        emit_run_failed()  # every message failed: SQS delivers the whole batch again
        raise
    if outcome is None:
        emit_run_failed()
    else:
        emit_batch_metrics(outcome, len(response["batchItemFailures"]))
    return response


def handle_sqs_batch(
    event: dict[str, Any],
    context: LambdaContext | None,
    *,
    env: Mapping[str, str] | None = None,
    adapters: AdapterFactory | None = None,
) -> tuple[dict[str, Any], BatchOutcome | None]:
    """The batch response for SQS, and what the ingestion came to (None: it could not run)."""
    named: dict[str, list[NotifiedObject]] = {}
    unreadable: dict[str, str] = {}
    for record in event["Records"]:
        try:
            named[record["messageId"]] = objects_in_message(record.get("body", ""))
        except UnreadableNotification as exc:
            unreadable[record["messageId"]] = str(exc)
    outcome: BatchOutcome | None = None
    try:
        config = RunConfig.from_event({}, env)
        notified = [found for objects in named.values() for found in objects]
        outcome = ingest_notified(config, (adapters or s3_adapters())(config, None), notified)
    except CheckpointError as error:
        logger.error("event batch failed", extra={"error": error.error, "reason": str(error)}, exc_info=error)

    def record_handler(record: SQSRecord) -> None:
        if record.message_id in unreadable:
            raise MessageNotIngested(f"not an S3 event: {unreadable[record.message_id]}")
        if outcome is None:
            raise MessageNotIngested("the batch's ingestion failed")
        unread = [found.key for found in named[record.message_id] if found.key in outcome.unread]
        if unread:
            raise MessageNotIngested(f"not ingested: {', '.join(unread)}")

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=BatchProcessor(event_type=EventType.SQS), context=context
    )
    if outcome is not None:
        logger.info("event batch finished", extra={**outcome.to_log(), "messages": len(event["Records"])})
    return dict(response), outcome
