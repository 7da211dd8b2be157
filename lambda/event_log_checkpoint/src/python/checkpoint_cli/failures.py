"""How a command ends when it raises: one line on stderr (the error and the next step) and its exit code.

The traceback is printed only at `--log-level DEBUG`; Ctrl-C is one line and exit 130.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from checkpoint_analytics.errors import AnalyticsError, CheckpointUnreachable, ForeignReference, NotACheckpoint
from checkpoint_lambda.entrypoints.exit_codes import ExitCode, exit_code_for
from checkpoint_lambda.errors import CheckpointError

OBSERVABILITY = "checkpoint_lambda.observability"


@dataclass
class Outcome:
    code: int = ExitCode.UNEXPECTED


@contextmanager
def exit_on_failure(command: str, log_level: str, err: TextIO | None = None) -> Iterator[Outcome]:
    """Runs the body with `log_level` applied; an exception becomes one line on `err` and `Outcome.code`."""
    stream = err or sys.stderr
    apply_log_level(log_level)
    outcome = Outcome()
    try:
        yield outcome
    except BrokenPipeError:
        # the reader went away (`| head`): not an error of ours; stdout is closed quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        outcome.code = ExitCode.OK
    except KeyboardInterrupt:
        print(f"{command}: interrupted; nothing more was done (run it again to finish)", file=stream)
        outcome.code = ExitCode.INTERRUPTED
    except (AnalyticsError, CheckpointError) as exc:
        print(f"{command}: {exc}{next_step(exc)}", file=stream)
        outcome.code = exit_code_of(exc)
        _traceback_at_debug(log_level, stream)
    except Exception as exc:  # noqa: BLE001 - the command line's last line of defence: one line, not a traceback
        print(f"{command}: unexpected {type(exc).__name__}: {exc}; {DEBUG_STEP}", file=stream)
        outcome.code = ExitCode.UNEXPECTED
        _traceback_at_debug(log_level, stream)


DEBUG_STEP = "run again with --log-level DEBUG and report the traceback"


def apply_log_level(level: str) -> None:
    """The level of the JSON logs: set now if the logger exists, else where Powertools reads it when created."""
    module = sys.modules.get(OBSERVABILITY)
    if module is not None:
        module.logger.setLevel(level)
    else:
        os.environ["POWERTOOLS_LOG_LEVEL"] = level


def exit_code_of(exc: AnalyticsError | CheckpointError) -> ExitCode:
    """The exit code of an error class (INTERFACES: 2 usage, 3 access, 5 storage, …)."""
    if isinstance(exc, CheckpointError):
        return exit_code_for(exc.status_code, exc.error)
    if isinstance(exc, CheckpointUnreachable):
        cause = exc.__cause__
        return exit_code_for(cause.status_code, cause.error) if isinstance(cause, CheckpointError) else ExitCode.STORAGE
    if isinstance(exc, (NotACheckpoint, ForeignReference)):
        return ExitCode.STORAGE
    return ExitCode.USAGE


def next_step(exc: AnalyticsError | CheckpointError) -> str:
    code = exit_code_of(exc)
    if code is ExitCode.USAGE:
        return "; see --help"
    if code is ExitCode.ACCESS:
        return "; check the AWS credentials in use (aws sts get-caller-identity) and their permissions"
    return ""


def _traceback_at_debug(log_level: str, stream: TextIO) -> None:
    if log_level == "DEBUG":
        traceback.print_exc(file=stream)
