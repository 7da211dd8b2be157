"""The Lambda entry point: parse the event, build the adapters, run, answer with a summary or an error."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from aws_lambda_powertools.utilities.typing import LambdaContext

from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.event_retriever import Progress, S3EventRetriever
from checkpoint_lambda.adapters.failure_record_store import FailureRecordStore
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.errors import (
    CheckpointAccessDenied,
    CheckpointBucketMissing,
    CheckpointError,
    SourceAccessDenied,
    SourceBucketMissing,
)
from checkpoint_lambda.observability import logger, metrics
from checkpoint_lambda.run_metrics import emit_run_failed, emit_run_metrics
from checkpoint_lambda.service import RunAdapters, run_checkpoint
from checkpoint_lambda.summary import RunSummary, error_response

#: Builds a run's adapters for its configuration (and an optional progress callback).
AdapterFactory = Callable[[RunConfig, Progress | None], RunAdapters]
KeepGoing = Callable[[], bool]
#: Time kept back from the Lambda's remaining time for merging and writing what was fetched.
TIME_BUDGET_MARGIN_S: Final = 90.0


@cache
def default_connector() -> S3Connector:
    """Built on first use and kept for warm invocations (its connection pool too)."""
    return S3Connector(S3Settings.from_env())


def build_adapters(config: RunConfig, connector: S3Connector, progress: Progress | None = None) -> RunAdapters:
    """The real adapters for `config`: the one place they are built."""
    source = S3ObjectStore(connector, config.source_bucket, SourceAccessDenied, SourceBucketMissing)
    target = S3ObjectStore(connector, config.checkpoint_bucket, CheckpointAccessDenied, CheckpointBucketMissing)
    retriever = S3EventRetriever(source, include_sandbox=config.include_sandbox, progress=progress)
    return RunAdapters(retriever, CheckpointStore(target), FailureRecordStore(target))


def s3_adapters(connector: S3Connector | None = None) -> AdapterFactory:
    """The factory of real adapters on `connector` (default: the process's own, from the environment)."""
    return lambda config, progress: build_adapters(config, connector or default_connector(), progress)


@dataclass(frozen=True)
class Answer:
    """A run's response, and its summary when it ran to the end (None: it failed)."""

    response: dict[str, Any]
    summary: RunSummary | None


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    budget_s = context.get_remaining_time_in_millis() / 1000 - TIME_BUDGET_MARGIN_S
    answer = answer_event(event, keep_going=deadline_in(budget_s))
    if answer.summary is None:
        emit_run_failed()
    else:
        emit_run_metrics(answer.summary)
    return answer.response


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
