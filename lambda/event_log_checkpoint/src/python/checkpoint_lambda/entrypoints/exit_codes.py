"""The exit codes of `python -m checkpoint_cli`, one per class of outcome, and the run's response mapped to them."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Final


class ExitCode(IntEnum):
    """What a script can branch on without reading the JSON answer."""

    OK = 0
    UNEXPECTED = 1  # a bug: the traceback is shown at --log-level DEBUG
    USAGE = 2  # configuration or usage (400; a bucket that does not exist, 404)
    ACCESS = 3  # access denied (403), missing or invalid credentials (401)
    CONFLICT = 4  # other writers kept winning (409); nothing lost, rerun
    STORAGE = 5  # S3 kept failing, or the checkpoint is not readable (500)
    PARTIAL = 6  # some per-group writes failed (207)
    QUARANTINED = 7  # a relayout finished but rows were quarantined
    INTERRUPTED = 130  # Ctrl-C


#: The table `--help` and the README show.
EXIT_CODES_HELP: Final = """exit codes:
  0    success
  1    unexpected error (a bug: rerun with --log-level DEBUG for the traceback)
  2    configuration or usage error (400), or a bucket that does not exist (404)
  3    access denied (403), or no usable AWS credentials (401)
  4    conflict: other runs kept writing the checkpoint (409); nothing lost, rerun
  5    storage: S3 kept failing, or the checkpoint is not readable (500)
  6    partial: some per-group checkpoint writes failed (207); rerun to write them
  7    relayout done, but rows were quarantined
  130  interrupted (Ctrl-C)"""

_BY_STATUS: Final = {200: ExitCode.OK, 207: ExitCode.PARTIAL, 400: ExitCode.USAGE, 404: ExitCode.USAGE}
_BY_ERROR: Final = {"StorageError": ExitCode.STORAGE, "CheckpointUnreadable": ExitCode.STORAGE}


def exit_code_for(status: int, error: str | None = None) -> ExitCode:
    """The exit code of an answer with HTTP-like `status` and error name `error`."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status in (401, 403):
        return ExitCode.ACCESS
    if status == 409:
        return ExitCode.CONFLICT
    return _BY_ERROR.get(error or "", ExitCode.UNEXPECTED)


def exit_code_of_response(response: dict[str, Any]) -> ExitCode:
    return exit_code_for(int(response["statusCode"]), response.get("error"))
