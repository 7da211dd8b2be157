"""The Lambda entry point: parse the event, build the adapters, run, answer with a summary or an error."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.event_retriever import Progress, S3EventRetriever
from checkpoint_lambda.adapters.failure_record_store import FailureRecordStore
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.errors import CheckpointAccessDenied, CheckpointError, SourceAccessDenied
from checkpoint_lambda.observability import METRICS_NAMESPACE, SERVICE, logger, metrics, tracer
from checkpoint_lambda.service import RunPorts, run_checkpoint
from checkpoint_lambda.summary import RunSummary, error_response

PortsFactory = Callable[[RunConfig, S3Connector, Progress | None], RunPorts]
#: Time kept back from the Lambda's remaining time for merging and writing what was fetched.
TIME_BUDGET_MARGIN_S: Final = 90.0


@cache
def default_connector() -> S3Connector:
    """Built on first use and kept for warm invocations (its connection pool too)."""
    return S3Connector(S3Settings.from_env())


def build_ports(config: RunConfig, connector: S3Connector, progress: Progress | None = None) -> RunPorts:
    """The real adapters for `config`: the one place they are built."""
    source = S3ObjectStore(connector, config.source_bucket, access_denied=SourceAccessDenied)
    target = S3ObjectStore(connector, config.checkpoint_bucket, access_denied=CheckpointAccessDenied)
    retriever = S3EventRetriever(source, include_sandbox=config.include_sandbox, progress=progress)
    return RunPorts(retriever, CheckpointStore(target), FailureRecordStore(target))


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    budget = context.get_remaining_time_in_millis() / 1000 - TIME_BUDGET_MARGIN_S
    response = handle(event, time_budget_s=budget)
    if not response.get("dry_run"):
        emit_group_metrics(response.get("groups", ()))
    return response


def handle(
    event: Any,
    *,
    env: Mapping[str, str] | None = None,
    connector: S3Connector | None = None,
    progress: Progress | None = None,
    time_budget_s: float | None = None,
    ports_for: PortsFactory | None = None,
    stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Run on `event` (payload, scheduled event or `{}`); never raises.

    With `time_budget_s`, fetching stops once that many seconds have passed, and with `stop`
    once it returns true (the command line's Ctrl-C). The adapters
    are `build_ports`' unless `ports_for` builds others.
    """
    details: dict[str, Any] = {}
    try:
        config = RunConfig.from_event(event, env)
        details = {
            "checkpoint_path": config.checkpoint_path,
            "source": f"s3://{config.source_bucket}/{config.source_prefix}",
        }
        logger.info("run starting", extra=_parameters(config))
        ports = (ports_for or build_ports)(config, connector or default_connector(), progress)
        summary = run_checkpoint(config, ports, keep_going=_until(time_budget_s, stop))
    except CheckpointError as error:
        logger.error("run failed", extra={"error": error.error, "reason": str(error), **details}, exc_info=error)
        return _failed(error, details)
    except Exception as error:  # noqa: BLE001 - last line of defence: an answer and an alarm, never a traceback
        logger.exception("run failed unexpectedly", extra=details)
        wrapped = CheckpointError(f"unexpected {type(error).__name__}: {error}")
        return _failed(wrapped, {**details, "cause": type(error).__name__})
    _report(summary)
    return summary.to_response()


def _until(time_budget_s: float | None, stop: Callable[[], bool] | None = None) -> Callable[[], bool]:
    stopped = stop or (lambda: False)
    if time_budget_s is None:
        return lambda: not stopped()
    deadline = time.monotonic() + time_budget_s
    return lambda: time.monotonic() < deadline and not stopped()


def _parameters(config: RunConfig) -> dict[str, Any]:
    return {
        "source_bucket": config.source_bucket,
        "source_prefix": config.source_prefix,
        "checkpoint_path": config.checkpoint_path,
        "include_sandbox": config.include_sandbox,
        "since": config.since.isoformat() if config.since else None,
        "dry_run": config.dry_run,
    }


def _failed(error: CheckpointError, details: dict[str, Any]) -> dict[str, Any]:
    metrics.add_metric(name="RunFailed", unit=MetricUnit.Count, value=1)
    return error_response(error, details)


def _report(summary: RunSummary) -> None:
    fields = {k: v for k, v in summary.to_response().items() if k not in {"failures", "groups"}}
    logger.info("run finished", extra=fields)
    if summary.dry_run:
        return  # a rehearsal (e.g. before a promotion): the metrics describe what was written
    counts = {
        "NewEventsProcessed": summary.new_events_processed,
        "TotalEvents": summary.total_events,
        "EventsFailed": summary.events_failed,
        "FilesListed": summary.files_listed,
        "FilesFetched": summary.files_fetched,
        "FilesDeferred": summary.files_deferred,
        # A group whose write failed is an alarm, though the run answered 207.
        "RunFailed": 1 if summary.failed_groups else 0,
    }
    if summary.per_group:
        counts["CheckpointsWritten"] = sum(g.written for g in summary.groups)
        counts["CheckpointWriteFailures"] = len(summary.failed_groups)
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="CheckpointFileSize", unit=MetricUnit.Bytes, value=summary.checkpoint_size_bytes)
    metrics.add_metric(name="ExecutionTime", unit=MetricUnit.Milliseconds, value=summary.execution_time_ms)


def emit_group_metrics(groups: Iterable[Mapping[str, Any]]) -> None:
    """Per-group counts, each in an EMF blob of its own: one blob's metrics share one set of dimensions."""
    for group in groups:
        dimensions = {"service": SERVICE, "study": str(group["study"]), "datatype": str(group["datatype"])}
        for name, value in (("NewEventsProcessed", group["new_events"]), ("TotalEvents", group["rows"])):
            with single_metric(
                name=name,
                unit=MetricUnit.Count,
                value=value,
                namespace=METRICS_NAMESPACE,
                default_dimensions=dimensions,
            ):
                pass
