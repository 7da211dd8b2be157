"""Errors that stop a run. A bad event file is not one of them: it is a `FileFailure`."""

from __future__ import annotations

from typing import Any

from checkpoint_lambda.version import VERSION


class CheckpointError(Exception):
    """Base of every error that ends a run with an error response."""

    status_code = 500
    error = "CheckpointError"


class ConfigError(CheckpointError):
    """The payload or environment does not say what to run on; nothing was called."""

    status_code = 400
    error = "InvalidConfiguration"


class SourceAccessDenied(CheckpointError):
    """Listing the source bucket/prefix was refused."""

    status_code = 403
    error = "SourceAccessDenied"


class CheckpointAccessDenied(CheckpointError):
    """Reading or writing the checkpoint (or its failure record) was refused."""

    status_code = 403
    error = "CheckpointAccessDenied"


class BucketMissing(CheckpointError):
    """A configured bucket does not exist (a typo, or the wrong account): nothing can be read or written."""

    status_code = 404
    error = "BucketMissing"


class SourceBucketMissing(BucketMissing):
    """The source bucket does not exist."""

    error = "SourceBucketMissing"


class CheckpointBucketMissing(BucketMissing):
    """The checkpoint bucket does not exist: found before any event file is fetched."""

    error = "CheckpointBucketMissing"


class CredentialsUnavailable(CheckpointError):
    """No AWS credentials could be found (none configured, or a profile that does not exist)."""

    status_code = 401
    error = "CredentialsUnavailable"


class CheckpointUnreadable(CheckpointError):
    """A checkpoint exists but is not one of ours; it must never be overwritten."""

    error = "CheckpointUnreadable"


class ConcurrentUpdateConflict(CheckpointError):
    """Other writers kept winning the conditional write; nothing was lost, retry later."""

    status_code = 409
    error = "ConcurrentUpdateConflict"


class StorageError(CheckpointError):
    """S3 failed in a way retries did not cure (throttling, timeouts, 5xx)."""

    error = "StorageError"


class PreconditionFailed(Exception):
    """A conditional write lost a race (412 / already exists). Internal: retried by the run.

    `attempted_etag` is the ETag the refused body would have had. When S3 applied a PUT but
    its answer was lost, the client's retry gets a 412 and the object then carries this ETag.
    """

    def __init__(self, key: str, attempted_etag: str | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.attempted_etag = attempted_etag


def error_response(error: CheckpointError, details: dict[str, Any]) -> dict[str, Any]:
    """The answer of a run that an error stopped (the handler's and the command line's)."""
    return {
        "statusCode": error.status_code,
        "error": error.error,
        "message": str(error),
        "details": details,
        "version": VERSION,
    }
