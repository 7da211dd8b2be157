"""S3 access for every call the job makes, from one configuration.

- Listing goes through boto3 (`list_objects_v2`, 1,000 keys a page): it returns every
  key exactly as stored, whatever characters it holds.
- Fetching and the conditional writes go through obstore (Rust object_store): a
  fraction of boto3's CPU per request, and `If-None-Match` / `If-Match` puts. The few
  keys obstore cannot address (empty, `.` or `..` segments, control characters, a
  leading slash) are fetched with boto3 instead.

One `S3Connector` per process holds one boto3 session and client and one obstore store
per bucket, their connection pools sized to the fetch concurrency. Endpoint and region
come from `S3Settings` (``AWS_ENDPOINT_URL``, ``AWS_REGION``); credentials from boto3's
chain, or from explicit keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import botocore.utils
import obstore
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from obstore.auth.boto3 import Boto3CredentialProvider
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

_S3_CODE = re.compile(r"<Code>([A-Za-z]+)</Code>")
_STATUS = re.compile(r"status code: (\d{3})")
_UNADDRESSABLE_SEGMENT = re.compile(r"(^|/)(\.|\.\.)?(/|$)|[\x00-\x1f\x7f]")
LIST_PAGE_SIZE = 1000
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"})
S3Error = (BotoCoreError, ClientError)


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


@dataclass(frozen=True)
class StaticCredentials:
    """Explicit keys, for when the standard credential chain is not wanted (tests, tools)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


@dataclass
class S3Connector:
    """Builds, once, the boto3 client and the per-bucket obstore stores every S3 call uses."""

    settings: S3Settings
    credentials: StaticCredentials | None = None
    _session: boto3.session.Session | None = field(default=None, init=False, repr=False)
    _client: Any = field(default=None, init=False, repr=False)
    _stores: dict[str, S3Store] = field(default_factory=dict, init=False, repr=False)

    def session(self) -> boto3.session.Session:
        if self._session is None:
            keys = self.credentials
            core = botocore.session.get_session()
            # botocore's default timestamp parser costs ~50 µs per listed key (a third of
            # an incremental run); S3's ISO 8601 stamps parse in the standard library.
            core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_parse_timestamp)
            self._session = boto3.session.Session(
                botocore_session=core,
                region_name=self.settings.region,
                aws_access_key_id=keys.access_key_id if keys else None,
                aws_secret_access_key=keys.secret_access_key if keys else None,
                aws_session_token=keys.session_token if keys else None,
            )
        return self._session

    def client(self) -> Any:
        """The boto3 S3 client (listing, and fetching keys obstore cannot address)."""
        if self._client is None:
            settings = self.settings
            config = Config(
                max_pool_connections=settings.fetch_concurrency,
                connect_timeout=settings.connect_timeout_s,
                read_timeout=settings.request_timeout_s,
                retries={"mode": "standard", "total_max_attempts": settings.max_retries + 1},
            )
            self._client = self.session().client("s3", endpoint_url=settings.endpoint_url, config=config)
        return self._client

    def store(self, bucket: str) -> S3Store:
        if bucket not in self._stores:
            self._stores[bucket] = self._build_store(bucket)
        return self._stores[bucket]

    def _build_store(self, bucket: str) -> S3Store:
        settings = self.settings
        config: dict[str, Any] = {"region": settings.region}
        client: dict[str, Any] = {
            "pool_max_idle_per_host": str(settings.fetch_concurrency),
            "connect_timeout": timedelta(seconds=settings.connect_timeout_s),
            "timeout": timedelta(seconds=settings.request_timeout_s),
        }
        if settings.endpoint_url:
            config["endpoint"] = settings.endpoint_url
            client["allow_http"] = settings.endpoint_url.startswith("http://")
        else:
            config["virtual_hosted_style_request"] = True  # AWS itself: bucket.s3.region.amazonaws.com
        retry: dict[str, Any] = {
            "max_retries": settings.max_retries,
            "retry_timeout": timedelta(seconds=settings.retry_timeout_s),
            "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=5), "base": 2},
        }
        return S3Store(
            bucket,
            config=config,  # type: ignore[arg-type]
            client_options=client,  # type: ignore[arg-type]
            retry_config=retry,  # type: ignore[arg-type]
            credential_provider=Boto3CredentialProvider(self.session()),
        )


def _parse_timestamp(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return botocore.utils.parse_timestamp(value)  # type: ignore[no-any-return]


def list_objects(client: Any, bucket: str, prefix: str) -> Iterator[ObjectInfo]:
    """Every object under `prefix`, page by page, keys exactly as stored."""
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": LIST_PAGE_SIZE}
    )
    for page in pages:
        for item in page.get("Contents", ()):
            yield ObjectInfo(item["Key"], item.get("ETag", ""), item["LastModified"], item["Size"])


def obstore_can_address(key: str) -> bool:
    """False for keys obstore's paths cannot hold: they are fetched with boto3 instead."""
    return _UNADDRESSABLE_SEGMENT.search(key) is None


def get_with_client(client: Any, bucket: str, key: str) -> tuple[bytes, str, datetime]:
    """Content, ETag and LastModified of one object, through boto3."""
    response = client.get_object(Bucket=bucket, Key=key)
    return response["Body"].read(), response.get("ETag", ""), response["LastModified"]


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
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in ACCESS_DENIED_CODES
    return isinstance(exc, (PermissionDeniedError, UnauthenticatedError)) or s3_error_code(exc) == "AccessDenied"


def s3_error_code(exc: BaseException) -> str | None:
    """The S3 error code (`AccessDenied`, `InvalidObjectState`, `SlowDown`…) of an S3 error."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    match = _S3_CODE.search(str(exc))
    return match.group(1) if match else None


def describe_error(exc: BaseException) -> str:
    """A one-line reason for logs and responses: S3 code and HTTP status, no bodies."""
    if isinstance(exc, FileNotFoundError):
        return "object vanished between listing and fetching (404 NoSuchKey)"
    code = s3_error_code(exc)
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return f"{code or 'error'} HTTP {status}" if status else str(code)
    status_match = _STATUS.search(str(exc))
    if code or status_match:
        parts = [code or type(exc).__name__, f"HTTP {status_match.group(1)}" if status_match else ""]
        return " ".join(p for p in parts if p)
    text = str(exc).lower()
    for marker, meaning in (("timed out", "timeout"), ("timeout", "timeout"), ("reset", "connection reset")):
        if marker in text:
            return f"{type(exc).__name__}: {meaning}"
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first_line[:200]}"
