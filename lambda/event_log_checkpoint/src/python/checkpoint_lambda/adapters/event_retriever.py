"""`S3EventRetriever`: lists the event files under a prefix, fetches them concurrently, validates each.

One failing file never stops the others: it becomes a `FileFailure` with its key and reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from checkpoint_lambda.adapters.object_store import FetchedObject, FetchOutcome, ObjectStore
from checkpoint_lambda.domain.event_keys import SANDBOX_PROJECT_PREFIX, parse_event_key
from checkpoint_lambda.domain.event_parsing import MAX_EVENT_FILE_BYTES, InvalidEventFile, parse_event
from checkpoint_lambda.domain.events import FileFailure, SourcedEvent
from checkpoint_lambda.domain.listing import Listing, ObjectInfo
from checkpoint_lambda.observability import logger

Progress = Callable[[int, int], None]
#: How often (in listed objects: one S3 page) `list_event_files` tells its `on_listed` callback.
LISTED_EVERY = 1000
SANDBOX_REASON = "sandbox project (skipped)"
ARCHIVED_HINT = " (archived: restore it, then rewrite it or remove its entry from the failure record)"


@dataclass
class Retrieval:
    """The outcome of fetching a batch: every object given ends in exactly one list."""

    events: list[SourcedEvent] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)
    skipped: list[FileFailure] = field(default_factory=list)
    deferred: list[ObjectInfo] = field(default_factory=list)  # not fetched: the time budget ran out


def _always() -> bool:
    return True


class S3EventRetriever:
    """Reads the event files of one bucket through its object store."""

    def __init__(
        self,
        objects: ObjectStore,
        *,
        include_sandbox: bool = False,
        progress: Progress | None = None,
        on_listed: Callable[[int], None] | None = None,
    ) -> None:
        self._objects = objects
        self._include_sandbox = include_sandbox
        self._progress = progress
        self._on_listed = on_listed

    def list_event_files(self, prefix: str, since: datetime | None = None) -> Listing:
        """Every event-named object under `prefix`, minus sandbox names and (if given) older than `since`.

        `on_listed(count)` (given to the constructor) hears how many objects have been listed
        so far, every `LISTED_EVERY` and at the end.
        """
        on_listed = self._on_listed
        events: list[ObjectInfo] = []
        versions: dict[str, str] = {}
        non_event = sandbox = before = 0
        for count, info in enumerate(self._objects.list_objects(prefix), start=1):
            if on_listed is not None and count % LISTED_EVERY == 0:
                on_listed(count)
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
        if on_listed is not None:
            on_listed(non_event + len(versions))
        logger.debug("listed prefix", extra={"prefix": prefix, "non_event_keys": non_event})
        return Listing(prefix, events, versions, non_event, sandbox, before)

    def retrieve_and_validate_events(
        self, objects: Sequence[ObjectInfo], keep_going: Callable[[], bool] = _always
    ) -> Retrieval:
        """Fetch and validate `objects`; sorts each into events, failures, skipped or deferred.

        Stops taking new files once `keep_going()` is false: the rest are deferred.
        """
        retrieval = Retrieval()
        for info in objects:
            if info.size > MAX_EVENT_FILE_BYTES:
                reason = f"file too large: {info.size} bytes (limit {MAX_EVENT_FILE_BYTES})"
                self._sort(FileFailure(info.key, info.etag, reason), retrieval)
        to_fetch = [info for info in objects if info.size <= MAX_EVENT_FILE_BYTES]
        handled: set[str] = set()

        def on_fetched(info: ObjectInfo, outcome: FetchOutcome) -> None:
            handled.add(info.key)
            self._sort(self._outcome(info, outcome), retrieval)
            if self._progress is not None:
                self._progress(len(handled), len(to_fetch))

        self._objects.fetch_each(to_fetch, on_fetched, keep_going)
        retrieval.deferred.extend(info for info in to_fetch if info.key not in handled)
        return retrieval

    @staticmethod
    def _outcome(info: ObjectInfo, outcome: FetchOutcome) -> SourcedEvent | FileFailure:
        if not isinstance(outcome, FetchedObject):
            # S3 refused or kept failing after retries: not a verdict on the content, so it
            # is reported now and tried again next run (see FileFailure.retryable). An
            # archived object stays unreadable until someone restores it: it is recorded
            # like a bad file rather than fetched again every run.
            reason = f"fetch failed: {outcome.reason}" + (ARCHIVED_HINT if outcome.archived else "")
            return FileFailure(info.key, info.etag, reason, retryable=not outcome.archived, vanished=outcome.missing)
        try:
            event = parse_event(outcome.data)
        except InvalidEventFile as exc:
            return FileFailure(info.key, outcome.etag or info.etag, exc.reason)
        return SourcedEvent(event, info.key, outcome.etag or info.etag, outcome.last_modified)

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
