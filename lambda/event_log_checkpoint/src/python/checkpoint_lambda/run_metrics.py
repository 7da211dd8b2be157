"""Every metric a run emits, from its typed summary, in one place.

Run-level counts share one EMF blob (dimension `service`). Per-group counts need their
own dimensions, and all metrics of one blob share one set of dimensions, so each
per-group value goes out in a blob of its own (`single_metric`). A dry run emits no
counts: it rehearses (e.g. before a promotion) without adding to the environment's figures.
"""

from __future__ import annotations

from collections.abc import Iterator

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from checkpoint_lambda.event_ingestion import BatchOutcome
from checkpoint_lambda.observability import METRICS_NAMESPACE, SERVICE, metrics
from checkpoint_lambda.summary import RunSummary


def emit_run_failed() -> None:
    """The alarm's metric for a run that answered with an error (a 500 answer is no Lambda error)."""
    metrics.add_metric(name="RunFailed", unit=MetricUnit.Count, value=1)


def emit_run_metrics(summary: RunSummary) -> None:
    if summary.dry_run:
        return
    for name, value in run_counts(summary):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="CheckpointFileSize", unit=MetricUnit.Bytes, value=summary.checkpoint_size_bytes)
    metrics.add_metric(name="ExecutionTime", unit=MetricUnit.Milliseconds, value=summary.execution_time_ms)
    for phase, milliseconds in summary.phase_ms.items():
        _single("PhaseDuration", milliseconds, {"phase": phase}, MetricUnit.Milliseconds)
    for name, files in summary.unknown_fields.items():
        _single("FilesWithUnknownFields", files, {"field": name})
    if summary.per_group:
        for group in summary.groups:
            dimensions = {"study": str(group.study), "datatype": str(group.datatype)}
            _single("NewEventsProcessed", group.new_events, dimensions)
            _single("TotalEvents", group.rows, dimensions)


def emit_batch_metrics(outcome: BatchOutcome, item_failures: int) -> None:
    """An SQS batch of the event path: what it ingested, and how many messages go back to the queue."""
    metrics.add_metric(name="EventFilesIngested", unit=MetricUnit.Count, value=outcome.files_fetched)
    metrics.add_metric(name="NewEventsProcessed", unit=MetricUnit.Count, value=outcome.new_events)
    metrics.add_metric(name="EventBatchItemFailures", unit=MetricUnit.Count, value=item_failures)
    metrics.add_metric(name="CheckpointsWritten", unit=MetricUnit.Count, value=outcome.checkpoints_written)
    metrics.add_metric(name="RunFailed", unit=MetricUnit.Count, value=1 if any(g.error for g in outcome.groups) else 0)
    metrics.add_metric(name="ExecutionTime", unit=MetricUnit.Milliseconds, value=outcome.execution_time_ms)


def run_counts(summary: RunSummary) -> Iterator[tuple[str, int]]:
    """The run-level counts, by metric name."""
    yield "NewEventsProcessed", summary.new_events_processed
    yield "TotalEvents", summary.total_events
    yield "EventsFailed", summary.events_failed
    yield "FilesListed", summary.files_listed
    yield "FilesFetched", summary.files_fetched
    yield "FilesDeferred", summary.files_deferred
    yield "FilesArchived", summary.files_archived
    yield "FailuresRejudged", summary.failures_rejudged
    # A group whose write failed is an alarm, though the run answered 207.
    yield "RunFailed", 1 if summary.failed_groups else 0
    if summary.files_missed_by_events is not None:
        yield "FilesMissedByEvents", summary.files_missed_by_events
    if summary.per_group:
        yield "CheckpointsWritten", sum(g.written for g in summary.groups)
        yield "CheckpointWriteFailures", len(summary.failed_groups)


def _single(name: str, value: float, dimensions: dict[str, str], unit: MetricUnit = MetricUnit.Count) -> None:
    with single_metric(
        name=name,
        unit=unit,
        value=value,
        namespace=METRICS_NAMESPACE,
        default_dimensions={"service": SERVICE, **dimensions},
    ):
        pass
