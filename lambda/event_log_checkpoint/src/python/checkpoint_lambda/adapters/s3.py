"""The S3 adapter: every S3 call the job makes, from one configuration.

- Listing goes through boto3 (`list_objects_v2`): it returns every key exactly as
  stored, whatever characters it holds.
- Reads, fetches and the conditional writes go through obstore (Rust object_store): a
  fraction of boto3's CPU per request, and `If-None-Match` / `If-Match` puts. The few
  keys obstore cannot address (empty, `.` or `..` segments, control characters, a
  leading slash) are fetched with boto3 instead.

One `S3Connector` per process holds one boto3 session and client and one obstore store
per bucket, their connection pools sized to the fetch concurrency. `S3ObjectStore` is
one bucket seen through it, translating every S3 error into the project's own.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import botocore.utils
import obstore
from botocore.config import Config
from botocore.exceptions import ProfileNotFound
from obstore.auth.boto3 import Boto3CredentialProvider
from obstore.exceptions import AlreadyExistsError, PreconditionError
from obstore.store import S3Store

from checkpoint_lambda.adapters.object_store import (
    FetchedObject,
    FetchFailed,
    FetchOutcome,
    ObjectState,
    OnFetched,
    RestoreTier,
    VersionedBytes,
)
from checkpoint_lambda.adapters.s3_errors import (
    S3_FAILURES,
    describe_error,
    http_status,
    is_access_denied,
    is_archived,
    is_missing_bucket,
    s3_error_code,
)
from checkpoint_lambda.adapters.s3_listing import list_parallel
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.domain.listing import ObjectInfo
from checkpoint_lambda.errors import (
    BucketMissing,
    CheckpointError,
    CredentialsUnavailable,
    PreconditionFailed,
    StorageError,
)

if TYPE_CHECKING:
    from obstore import PutMode

#: Days a restored copy stays readable: runs are scheduled far more often than that.
RESTORE_DAYS = 7
RESTORE_IN_PROGRESS_CODE = "RestoreAlreadyInProgress"
_INTELLIGENT_TIERING = "INTELLIGENT_TIERING"
_ARCHIVED_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
_UNADDRESSABLE_SEGMENT = re.compile(r"(^|/)(\.|\.\.)?(/|$)|[\x00-\x1f\x7f]")


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
            try:
                session = boto3.session.Session(
                    botocore_session=core,
                    region_name=self.settings.region,
                    aws_access_key_id=keys.access_key_id if keys else None,
                    aws_secret_access_key=keys.secret_access_key if keys else None,
                    aws_session_token=keys.session_token if keys else None,
                )
                _require_credentials(session)
            except ProfileNotFound as exc:
                raise CredentialsUnavailable(
                    f"AWS profile {exc.kwargs.get('profile')!r} (AWS_PROFILE) is not in the AWS config files: "
                    "set AWS_PROFILE to a profile of `aws configure list-profiles`, or unset it"
                ) from exc
            self._session = session
        return self._session

    def client(self) -> Any:
        """The boto3 S3 client (listing, and fetching keys obstore cannot address)."""
        if self._client is None:
            settings = self.settings
            config = Config(
                max_pool_connections=settings.fetch_concurrency + settings.list_concurrency,
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


def _require_credentials(session: boto3.session.Session) -> None:
    """Resolves the credential chain once (botocore caches it): a missing profile or no credentials at all is
    CredentialsUnavailable, naming what is missing, before any request rather than as a failed request."""
    found = session.get_credentials()  # ProfileNotFound: the caller names the profile
    if found is None:
        raise CredentialsUnavailable(
            "no AWS credentials found: set AWS_PROFILE, run `aws sso login` or `aws configure`, "
            "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )


def _parse_timestamp(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return botocore.utils.parse_timestamp(value)  # type: ignore[no-any-return]


def state_of(head: dict[str, Any]) -> ObjectState:
    """An object's state from a HeadObject response (`Restore`: `ongoing-request="false", …`
    once a readable copy exists; `ArchiveStatus` for Intelligent-Tiering's archive tiers)."""
    storage_class = head.get("StorageClass")
    restore = str(head.get("Restore") or "")
    archived = storage_class in _ARCHIVED_CLASSES or bool(head.get("ArchiveStatus"))
    restored = 'ongoing-request="false"' in restore
    return ObjectState(
        etag=str(head.get("ETag", "")),
        storage_class=storage_class,
        readable=restored or not archived,
        restoring='ongoing-request="true"' in restore,
    )


def content_etag(data: bytes) -> str:
    """The ETag S3 gives a single-part PUT of `data` (without SSE-KMS): its quoted MD5."""
    return f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'


def obstore_can_address(key: str) -> bool:
    """False for keys obstore's paths cannot hold: they are fetched with boto3 instead."""
    return _UNADDRESSABLE_SEGMENT.search(key) is None


class S3ObjectStore:
    """One bucket through the connector; `access_denied` is the error a refusal becomes, `missing`
    the error a missing bucket becomes (only a missing *key* means "absent")."""

    def __init__(
        self,
        connector: S3Connector,
        bucket: str,
        access_denied: type[CheckpointError],
        missing: type[BucketMissing] = BucketMissing,
    ) -> None:
        self._connector = connector
        self._bucket = bucket
        self._store = connector.store(bucket)
        self._denied = access_denied
        self._missing = missing

    @property
    def bucket(self) -> str:
        return self._bucket

    def list_objects(self, prefix: str) -> Iterator[ObjectInfo]:
        try:
            concurrency = self._connector.settings.list_concurrency
            yield from list_parallel(self._connector.client(), self._bucket, prefix, concurrency)
        except S3_FAILURES as exc:
            raise self._error("listing", prefix, exc) from exc

    def read(self, key: str) -> VersionedBytes | None:
        try:
            result = obstore.get(self._store, key)
            data = result.bytes().to_bytes()
        except FileNotFoundError as exc:
            if is_missing_bucket(exc):
                raise self._error("reading", key, exc) from exc
            return None
        except S3_FAILURES as exc:
            raise self._error("reading", key, exc) from exc
        return VersionedBytes(data, result.meta["e_tag"] or "")

    def write(self, key: str, data: bytes, expected_etag: str | None) -> str:
        mode: PutMode = "create" if expected_etag is None else {"e_tag": expected_etag}
        try:
            result = obstore.put(self._store, key, data, mode=mode, use_multipart=False)
        except (AlreadyExistsError, PreconditionError, FileNotFoundError) as exc:
            # A missing bucket is no lost race: retrying it would end in a misleading 409.
            if is_missing_bucket(exc):
                raise self._error("writing", key, exc) from exc
            # FileNotFoundError: If-Match on a key deleted since it was read.
            raise PreconditionFailed(key, attempted_etag=content_etag(data)) from exc
        except S3_FAILURES as exc:
            raise self._error("writing", key, exc) from exc
        return result["e_tag"] or ""

    def fetch_each(self, objects: Sequence[ObjectInfo], on_fetched: OnFetched, keep_going: Callable[[], bool]) -> None:
        if objects:
            asyncio.run(self._fetch_all(objects, on_fetched, keep_going))

    async def _fetch_all(
        self, objects: Sequence[ObjectInfo], on_fetched: OnFetched, keep_going: Callable[[], bool]
    ) -> None:
        # A fixed pool of workers sharing one iterator, not a task per file: 25,000
        # waiting tasks cost memory and garbage-collector time for nothing.
        pending = iter(objects)

        async def worker() -> None:
            while keep_going():
                info = next(pending, None)
                if info is None:
                    return
                on_fetched(info, await self._fetch(info.key))

        concurrency = min(self._connector.settings.fetch_concurrency, len(objects))
        await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def _fetch(self, key: str) -> FetchOutcome:
        try:
            if not obstore_can_address(key):
                return await asyncio.to_thread(self._fetch_with_boto3, key)
            result = await obstore.get_async(self._store, key)
            data = (await result.bytes_async()).to_bytes()
        except (*S3_FAILURES, ValueError) as exc:
            missing = isinstance(exc, FileNotFoundError) and not is_missing_bucket(exc)
            return FetchFailed(describe_error(exc), archived=is_archived(exc), missing=missing)
        return FetchedObject(data, result.meta["e_tag"] or "", result.meta["last_modified"])

    def head(self, key: str) -> ObjectState | None:
        try:
            response = self._connector.client().head_object(Bucket=self._bucket, Key=key)
        except S3_FAILURES as exc:
            status = http_status(exc)
            if status == 404 and not is_missing_bucket(exc):
                return None
            if status == 403:  # a HEAD's answer has no body, so no code: HEAD is refused only by access control
                raise self._denied(f"inspecting s3://{self._bucket}/{key} was denied: AccessDenied HTTP 403") from exc
            raise self._error("inspecting", key, exc) from exc
        return state_of(response)

    def restore(self, key: str, tier: RestoreTier, storage_class: str | None = None) -> bool:
        request: dict[str, Any] = {"GlacierJobParameters": {"Tier": tier.capitalize()}}
        if storage_class != _INTELLIGENT_TIERING:
            request["Days"] = RESTORE_DAYS  # Intelligent-Tiering's archive tiers refuse a number of days
        try:
            self._connector.client().restore_object(Bucket=self._bucket, Key=key, RestoreRequest=request)
        except S3_FAILURES as exc:
            if s3_error_code(exc) == RESTORE_IN_PROGRESS_CODE:
                return False
            raise self._error("restoring", key, exc) from exc
        return True

    def _fetch_with_boto3(self, key: str) -> FetchedObject:
        response = self._connector.client().get_object(Bucket=self._bucket, Key=key)
        return FetchedObject(response["Body"].read(), response.get("ETag", ""), response["LastModified"])

    def _error(self, action: str, key: str, exc: BaseException) -> CheckpointError:
        where = f"s3://{self._bucket}/{key}"
        if is_missing_bucket(exc):
            return self._missing(f"{action} {where}: bucket {self._bucket!r} does not exist (check its name)")
        if is_access_denied(exc):
            return self._denied(f"{action} {where} was denied: {describe_error(exc)}")
        return StorageError(f"{action} {where} failed: {describe_error(exc)}")
