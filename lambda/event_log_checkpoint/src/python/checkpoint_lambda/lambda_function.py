"""The Lambda entry point: parse the event, run, answer with a summary or an error."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.errors import CheckpointError
from checkpoint_lambda.object_store import S3Connector
from checkpoint_lambda.observability import logger, metrics, tracer
from checkpoint_lambda.run_summary import RunSummary, error_response
from checkpoint_lambda.s3_retriever import Progress
from checkpoint_lambda.service import run_checkpoint


@cache
def default_connector() -> S3Connector:
    """Built on first use and kept for warm invocations (its connection pool too)."""
    return S3Connector(S3Settings.from_env())


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event)


def handle(
    event: Any,
    env: Mapping[str, str] | None = None,
    connector: S3Connector | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run on `event` (payload, scheduled event or `{}`); never raises."""
    details: dict[str, Any] = {}
    try:
        config = RunConfig.from_event(event, env)
        details = {
            "checkpoint_path": config.checkpoint_path,
            "source": f"s3://{config.source_bucket}/{config.source_prefix}",
        }
        logger.info("run starting", extra={**config.__dict__, "since": str(config.since) if config.since else None})
        summary = run_checkpoint(config, connector or default_connector(), progress)
    except CheckpointError as error:
        logger.error("run failed", extra={"error": error.error, "reason": str(error), **details}, exc_info=error)
        return _failed(error, details)
    except Exception as error:  # noqa: BLE001 - last line of defence: an answer and an alarm, never a traceback
        logger.exception("run failed unexpectedly", extra=details)
        wrapped = CheckpointError(f"unexpected {type(error).__name__}: {error}")
        return _failed(wrapped, {**details, "cause": type(error).__name__})
    _report(summary)
    return summary.to_response()


def _failed(error: CheckpointError, details: dict[str, Any]) -> dict[str, Any]:
    metrics.add_metric(name="RunFailed", unit=MetricUnit.Count, value=1)
    return error_response(error, details)


def _report(summary: RunSummary) -> None:
    fields = {k: v for k, v in summary.__dict__.items() if k != "failures"}
    logger.info("run finished", extra=fields)
    for name, value in (
        ("NewEventsProcessed", summary.new_events_processed),
        ("TotalEvents", summary.total_events),
        ("EventsFailed", summary.events_failed),
        ("FilesListed", summary.files_listed),
        ("FilesFetched", summary.files_fetched),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="CheckpointFileSize", unit=MetricUnit.Bytes, value=summary.checkpoint_size_bytes)
    metrics.add_metric(name="ExecutionTime", unit=MetricUnit.Milliseconds, value=summary.execution_time_ms)
    metrics.add_metric(name="RunFailed", unit=MetricUnit.Count, value=0)
