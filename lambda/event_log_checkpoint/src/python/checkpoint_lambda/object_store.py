"""S3 access for every call the job makes (list, get, conditional put), through obstore.

One `S3Connector` per process holds one store per bucket: a shared connection pool
sized to the fetch concurrency. Endpoint, region and credentials have one source:
`S3Settings` (``AWS_ENDPOINT_URL``, ``AWS_REGION``) and boto3's credential chain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import obstore
from obstore.exceptions import (
    AlreadyExistsError,
    PermissionDeniedError,
    PreconditionError,
    UnauthenticatedError,
)
from obstore.store import S3Store

from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.errors import PreconditionFailed

if TYPE_CHECKING:
    from obstore import PutMode
    from obstore.store import S3Credential

_S3_CODE = re.compile(r"<Code>([A-Za-z]+)</Code>")
_STATUS = re.compile(r"status code: (\d{3})")
LIST_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """A listed (or fetched) object version: the ETag identifies its content."""

    key: str
    etag: str
    last_modified: datetime
    size: int


@dataclass(frozen=True, slots=True)
class VersionedBytes:
    """An object's content and the ETag to make the next write conditional on."""

    data: bytes
    etag: str


@dataclass
class S3Connector:
    """Builds (once per bucket) the stores every S3 call goes through."""

    settings: S3Settings
    credential_provider: Callable[[], S3Credential] | None = None
    _stores: dict[str, S3Store] = field(default_factory=dict, init=False, repr=False)

    def store(self, bucket: str) -> S3Store:
        if bucket not in self._stores:
            self._stores[bucket] = self._build(bucket)
        return self._stores[bucket]

    def _build(self, bucket: str) -> S3Store:
        config: dict[str, Any] = {"region": self.settings.region}
        client: dict[str, Any] = {
            "pool_max_idle_per_host": str(self.settings.fetch_concurrency),
            "connect_timeout": timedelta(seconds=self.settings.connect_timeout_s),
            "timeout": timedelta(seconds=self.settings.request_timeout_s),
        }
        if self.settings.endpoint_url:
            config["endpoint"] = self.settings.endpoint_url
            client["allow_http"] = self.settings.endpoint_url.startswith("http://")
        else:
            config["virtual_hosted_style_request"] = True  # AWS itself: bucket.s3.region.amazonaws.com
        retry: dict[str, Any] = {
            "max_retries": self.settings.max_retries,
            "retry_timeout": timedelta(seconds=self.settings.retry_timeout_s),
            "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=5), "base": 2},
        }
        return S3Store(
            bucket,
            config=config,  # type: ignore[arg-type]
            client_options=client,  # type: ignore[arg-type]
            retry_config=retry,  # type: ignore[arg-type]
            credential_provider=self.credential_provider or boto3_credentials(),
        )


def boto3_credentials() -> Callable[[], S3Credential]:
    """boto3's standard chain: env vars (Lambda), profiles, SSO, container and instance roles."""
    from obstore.auth.boto3 import Boto3CredentialProvider  # noqa: PLC0415 - boto3 loads only when used

    return Boto3CredentialProvider()


def list_objects(store: S3Store, prefix: str) -> Iterator[ObjectInfo]:
    """Every object under `prefix`, page by page (S3 pages of 1,000 keys)."""
    for page in obstore.list(store, prefix=prefix or None, chunk_size=LIST_PAGE_SIZE):
        for meta in page:
            yield ObjectInfo(meta["path"], meta["e_tag"] or "", meta["last_modified"], meta["size"])


def read_versioned(store: S3Store, key: str) -> VersionedBytes | None:
    """The object's bytes and ETag, or None when (and only when) S3 says it does not exist."""
    try:
        result = obstore.get(store, key)
    except FileNotFoundError:
        return None
    data = result.bytes().to_bytes()
    return VersionedBytes(data, result.meta["e_tag"] or "")


def write_conditional(store: S3Store, key: str, data: bytes, expected_etag: str | None) -> str:
    """Write only if the object is still as read: absent (`If-None-Match: *`) or `expected_etag`.

    Raises PreconditionFailed when another writer got there first.
    """
    mode: PutMode = "create" if expected_etag is None else {"e_tag": expected_etag}
    try:
        result = obstore.put(store, key, data, mode=mode, use_multipart=False)
    except (AlreadyExistsError, PreconditionError) as exc:
        raise PreconditionFailed(key) from exc
    except FileNotFoundError as exc:  # If-Match on a key deleted since we read it
        raise PreconditionFailed(key) from exc
    return result["e_tag"] or ""


def is_access_denied(exc: BaseException) -> bool:
    return isinstance(exc, (PermissionDeniedError, UnauthenticatedError)) or s3_error_code(exc) == "AccessDenied"


def s3_error_code(exc: BaseException) -> str | None:
    """The S3 error code (`AccessDenied`, `InvalidObjectState`, `SlowDown`…) inside an obstore error."""
    match = _S3_CODE.search(str(exc))
    return match.group(1) if match else None


def describe_error(exc: BaseException) -> str:
    """A one-line reason for logs and responses: S3 code and HTTP status, no bodies."""
    code = s3_error_code(exc)
    status = _STATUS.search(str(exc))
    if isinstance(exc, FileNotFoundError):
        return "object vanished between listing and fetching (404 NoSuchKey)"
    if code or status:
        parts = [code or type(exc).__name__, f"HTTP {status.group(1)}" if status else ""]
        return " ".join(p for p in parts if p)
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first_line[:200]}"
