"""What an S3 error was: its code, its HTTP status, and a one-line reason without bodies.

boto3 carries these in `ClientError.response`; obstore only in its messages (the S3 XML
`<Code>` and a `status code: NNN` phrase), so that parsing is tested against real
obstore errors for every code the job must recognise.
"""

from __future__ import annotations

import re
from typing import Final

from botocore.exceptions import BotoCoreError, ClientError
from obstore.exceptions import BaseError, PermissionDeniedError, UnauthenticatedError

_S3_CODE = re.compile(r"<Code>([A-Za-z]+)</Code>")
_STATUS = re.compile(r"status code: (\d{3})")
ACCESS_DENIED_CODES: Final = frozenset(
    {"AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
)
ARCHIVED_CODE: Final = "InvalidObjectState"
MISSING_BUCKET_CODE: Final = "NoSuchBucket"
#: Every exception an S3 call through boto3 or obstore can raise for a failed request.
S3_FAILURES: Final = (BotoCoreError, ClientError, BaseError, OSError)


def s3_error_code(exc: BaseException) -> str | None:
    """The S3 error code (`AccessDenied`, `InvalidObjectState`, `SlowDown`…) of an S3 error."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    match = _S3_CODE.search(str(exc))
    return match.group(1) if match else None


def http_status(exc: BaseException) -> int | None:
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if status else None
    match = _STATUS.search(str(exc))
    return int(match.group(1)) if match else None


def is_access_denied(exc: BaseException) -> bool:
    """A refusal by S3's access control. obstore raises PermissionDeniedError for every 403,
    an archived object's InvalidObjectState included, so the code decides when there is one."""
    code = s3_error_code(exc)
    if code is not None:
        return code in ACCESS_DENIED_CODES
    return isinstance(exc, (PermissionDeniedError, UnauthenticatedError))


def is_archived(exc: BaseException) -> bool:
    return s3_error_code(exc) == ARCHIVED_CODE


def is_missing_bucket(exc: BaseException) -> bool:
    """NoSuchBucket: obstore raises it as FileNotFoundError (or PreconditionError) like a missing key."""
    return s3_error_code(exc) == MISSING_BUCKET_CODE


def describe_error(exc: BaseException) -> str:
    """A one-line reason for logs and responses: S3 code and HTTP status, no bodies."""
    if isinstance(exc, FileNotFoundError) and not is_missing_bucket(exc):
        return "object vanished between listing and fetching (404 NoSuchKey)"
    code, status = s3_error_code(exc), http_status(exc)
    if code or status:
        return " ".join(part for part in (code or type(exc).__name__, f"HTTP {status}" if status else "") if part)
    text = str(exc).lower()
    for marker, meaning in (("timed out", "timeout"), ("timeout", "timeout"), ("reset", "connection reset")):
        if marker in text:
            return f"{type(exc).__name__}: {meaning}"
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first_line[:200]}"
