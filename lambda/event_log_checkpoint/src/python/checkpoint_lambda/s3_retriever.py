"""`S3EventRetriever`: lists the event files under a prefix, fetches them concurrently, validates each.

One failing file never stops the others: it becomes a `FileFailure` with its key and reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import obstore
from obstore.exceptions import BaseError

from checkpoint_lambda.errors import SourceAccessDenied, StorageError
from checkpoint_lambda.event_keys import SANDBOX_PROJECT_PREFIX, parse_event_key
from checkpoint_lambda.event_parsing import MAX_EVENT_FILE_BYTES, InvalidEventFile, parse_event
from checkpoint_lambda.models import FileFailure, SourcedEvent
from checkpoint_lambda.object_store import (
    ObjectInfo,
    S3Connector,
    S3Error,
    describe_error,
    get_with_client,
    is_access_denied,
    list_objects,
    obstore_can_address,
    s3_error_code,
)
from checkpoint_lambda.observability import logger, tracer

Progress = Callable[[int, int], None]
SANDBOX_REASON = "sandbox project (skipped)"
ARCHIVED_HINT = " (archived: restore it, then rewrite it or remove its entry from the failure record)"


@dataclass(frozen=True)
class Listing:
    """The event files found under a prefix, and what was passed over without fetching."""

    events: list[ObjectInfo]
    versions: dict[str, str]  # every event-named key listed -> its ETag, selected or not
    non_event_keys: int = 0
    sandbox_by_name: int = 0
    before_since: int = 0

    @property
    def files_listed(self) -> int:
        return len(self.versions)


@dataclass
class Retrieval:
    """The outcome of fetching a batch: every object given ends in exactly one list."""

    events: list[SourcedEvent] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)
    skipped: list[FileFailure] = field(default_factory=list)


class S3EventRetriever:
    """Reads the event files of one bucket through the connector's shared client and store."""

    def __init__(
        self,
        connector: S3Connector,
        bucket: str,
        *,
        include_sandbox: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self._connector = connector
        self._bucket = bucket
        self._store = connector.store(bucket)
        self._concurrency = connector.settings.fetch_concurrency
        self._include_sandbox = include_sandbox
        self._progress = progress

    @tracer.capture_method(capture_response=False)
    def list_event_files(self, prefix: str, since: datetime | None = None) -> Listing:
        """Every event-named object under `prefix`, minus sandbox names and (if given) older than `since`."""
        events: list[ObjectInfo] = []
        versions: dict[str, str] = {}
        non_event = sandbox = before = 0
        try:
            for info in list_objects(self._connector.client(), self._bucket, prefix):
                hint = parse_event_key(info.key)
                if hint is None:
                    non_event += 1
                    continue
                versions[info.key] = info.etag
                if hint.is_sandbox and not self._include_sandbox:
                    sandbox += 1
                elif since is not None and info.last_modified < since:
                    before += 1
                else:
                    events.append(info)
        except S3Error as exc:
            where = f"s3://{self._bucket}/{prefix}"
            if is_access_denied(exc):
                raise SourceAccessDenied(f"listing {where} was denied: {describe_error(exc)}") from exc
            raise StorageError(f"listing {where} failed: {describe_error(exc)}") from exc
        logger.debug("listed prefix", extra={"prefix": prefix, "non_event_keys": non_event})
        return Listing(events, versions, non_event, sandbox, before)

    @tracer.capture_method(capture_response=False)
    def retrieve_and_validate_events(self, objects: Sequence[ObjectInfo]) -> Retrieval:
        """Fetch and validate `objects` concurrently; sorts each into events, failures or skipped."""
        retrieval = Retrieval()
        if objects:
            asyncio.run(self._fetch_all(objects, retrieval))
        return retrieval

    async def _fetch_all(self, objects: Sequence[ObjectInfo], retrieval: Retrieval) -> None:
        # A fixed pool of workers sharing one iterator, not a task per file: 25,000
        # waiting tasks cost memory and garbage-collector time for nothing.
        pending = iter(objects)
        total, done = len(objects), 0

        async def worker() -> None:
            nonlocal done
            for info in pending:
                self._sort(await self._fetch_one(info), retrieval)
                done += 1
                if self._progress is not None:
                    self._progress(done, total)

        await asyncio.gather(*(worker() for _ in range(min(self._concurrency, total))))

    async def _fetch_one(self, info: ObjectInfo) -> SourcedEvent | FileFailure:
        if info.size > MAX_EVENT_FILE_BYTES:
            return FileFailure(info.key, info.etag, f"file too large: {info.size} bytes (limit {MAX_EVENT_FILE_BYTES})")
        try:
            data, etag, written = await self._get(info.key)
        except (BaseError, OSError, ValueError, *S3Error) as exc:
            # S3 refused or kept failing after retries: not a verdict on the content, so it
            # is reported now and tried again next run (see FileFailure.retryable). An
            # archived object (InvalidObjectState) stays unreadable until someone restores
            # it: it is recorded like a bad file rather than fetched again every run.
            archived = s3_error_code(exc) == "InvalidObjectState"
            reason = f"fetch failed: {describe_error(exc)}" + (ARCHIVED_HINT if archived else "")
            return FileFailure(info.key, info.etag, reason, retryable=not archived)
        try:
            event = parse_event(data)
        except InvalidEventFile as exc:
            return FileFailure(info.key, etag or info.etag, exc.reason)
        return SourcedEvent(event, info.key, etag or info.etag, written)

    async def _get(self, key: str) -> tuple[bytes, str, datetime]:
        if not obstore_can_address(key):
            return await asyncio.to_thread(get_with_client, self._connector.client(), self._bucket, key)
        result = await obstore.get_async(self._store, key)
        data = (await result.bytes_async()).to_bytes()
        return data, result.meta["e_tag"] or "", result.meta["last_modified"]

    def _sort(self, outcome: SourcedEvent | FileFailure, retrieval: Retrieval) -> None:
        if isinstance(outcome, FileFailure):
            logger.warning(
                "event file failed",
                extra={"key": outcome.key, "reason": outcome.reason, "retryable": outcome.retryable},
            )
            retrieval.failures.append(outcome)
        elif outcome.event.project_label.startswith(SANDBOX_PROJECT_PREFIX) and not self._include_sandbox:
            retrieval.skipped.append(FileFailure(outcome.source_key, outcome.source_etag, SANDBOX_REASON))
        else:
            retrieval.events.append(outcome)
