"""The Lambda entry point: a scheduled run or a payload lists the log; an SQS batch ingests what it names.

Each path imports what it needs when it runs (Polars, boto3 and obstore for a run,
Powertools' batch utilities for a batch): importing this module, which is the
function's init, loads configuration, errors and Powertools' logger and metrics only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.errors import CheckpointError, error_response
from checkpoint_lambda.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from checkpoint_lambda.adapters.event_retriever import Progress
    from checkpoint_lambda.entrypoints.adapters import AdapterFactory
    from checkpoint_lambda.summary import RunSummary

KeepGoing = Callable[[], bool]
#: Time kept back from the Lambda's remaining time for merging and writing what was fetched.
TIME_BUDGET_MARGIN_S: Final = 90.0


@dataclass(frozen=True)
class Answer:
    """A run's response, and its summary when it ran to the end (None: it failed)."""

    response: dict[str, Any]
    summary: RunSummary | None


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A scheduled run or a direct payload lists the log; an SQS batch ingests the files it names."""
    if is_sqs_event(event):
        from checkpoint_lambda.entrypoints.sqs_batch import lambda_batch  # noqa: PLC0415 - imported by the path that uses it

        return lambda_batch(event, context)
    budget_s = context.get_remaining_time_in_millis() / 1000 - TIME_BUDGET_MARGIN_S
    answer = answer_event(event, keep_going=deadline_in(budget_s))
    emit_metrics(answer)
    return answer.response


def is_sqs_event(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, Mapping) else None
    return bool(records) and isinstance(records, list) and records[0].get("eventSource") == "aws:sqs"


def emit_metrics(answer: Answer) -> None:
    """The run's metrics, or the RunFailed alarm when it answered with an error."""
    from checkpoint_lambda.run_metrics import emit_run_failed, emit_run_metrics  # noqa: PLC0415 - see the module's docstring

    if answer.summary is None:
        emit_run_failed()
    else:
        emit_run_metrics(answer.summary)


def handle(
    event: Any,
    *,
    env: Mapping[str, str] | None = None,
    adapters: AdapterFactory | None = None,
    progress: Progress | None = None,
    keep_going: KeepGoing | None = None,
) -> dict[str, Any]:
    """Run on `event` (payload, scheduled event or `{}`) and answer; never raises. Emits no metrics."""
    return answer_event(event, env=env, adapters=adapters, progress=progress, keep_going=keep_going).response


def answer_event(
    event: Any,
    *,
    env: Mapping[str, str] | None = None,
    adapters: AdapterFactory | None = None,
    progress: Progress | None = None,
    keep_going: KeepGoing | None = None,
) -> Answer:
    """The run's answer. Fetching goes on while `keep_going()` (default: always)."""
    from checkpoint_lambda.entrypoints.adapters import s3_adapters  # noqa: PLC0415 - see the module's docstring
    from checkpoint_lambda.service import run_checkpoint  # noqa: PLC0415 - see the module's docstring

    details: dict[str, Any] = {}
    try:
        config = RunConfig.from_event(event, env)
        details = {
            "checkpoint_path": config.checkpoint_path,
            "source": f"s3://{config.source_bucket}/{config.source_prefix}",
        }
        logger.info("run starting", extra=_parameters(config))
        built = (adapters or s3_adapters())(config, progress)
        summary = run_checkpoint(config, built, keep_going=keep_going or (lambda: True))
    except CheckpointError as error:
        logger.error("run failed", extra={"error": error.error, "reason": str(error), **details}, exc_info=error)
        return Answer(error_response(error, details), None)
    except Exception as error:  # noqa: BLE001 - last line of defence: an answer and an alarm, never a traceback
        logger.exception("run failed unexpectedly", extra=details)
        wrapped = CheckpointError(f"unexpected {type(error).__name__}: {error}")
        return Answer(error_response(wrapped, {**details, "cause": type(error).__name__}), None)
    response = summary.to_response()
    logger.info("run finished", extra={k: v for k, v in response.items() if k not in {"failures", "groups"}})
    return Answer(response, summary)


def deadline_in(seconds: float) -> KeepGoing:
    """True until `seconds` from now (a Lambda's remaining time, less the margin)."""
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() < deadline


def budget_from_first_call(seconds: float) -> KeepGoing:
    """True for `seconds` from its first call, so a budget counts fetching, not listing."""
    deadline: list[float] = []

    def keep_going() -> bool:
        if not deadline:
            deadline.append(time.monotonic() + seconds)
        return time.monotonic() < deadline[0]

    return keep_going


def _parameters(config: RunConfig) -> dict[str, Any]:
    return {
        "source_bucket": config.source_bucket,
        "source_prefix": config.source_prefix,
        "checkpoint_path": config.checkpoint_path,
        "include_sandbox": config.include_sandbox,
        "since": config.since.isoformat() if config.since else None,
        "dry_run": config.dry_run,
    }
