"""`S3EventRetriever`: lists the event files under a prefix, fetches them concurrently, validates each.

One failing file never stops the others: it becomes a `FileFailure` with its key and reason.
Validation follows the `Rules` it is given; each content verdict records their fingerprint.
An archived object is a state, not a verdict: it is looked at with a HEAD (never a GET)
until a readable copy exists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from checkpoint_lambda.adapters.object_store import FetchedObject, FetchOutcome, ObjectStore, RestoreTier
from checkpoint_lambda.domain.event_keys import SANDBOX_PROJECT_PREFIX, parse_event_key
from checkpoint_lambda.domain.event_parsing import MAX_EVENT_FILE_BYTES, InvalidEventFile
from checkpoint_lambda.domain.events import FileFailure, SourcedEvent
from checkpoint_lambda.domain.extra_fields import extra_fields_of
from checkpoint_lambda.domain.listing import Listing, ObjectInfo
from checkpoint_lambda.domain.rules import DEFAULT_RULES, Rules
from checkpoint_lambda.errors import CheckpointError
from checkpoint_lambda.observability import logger

Progress = Callable[[int, int], None]
#: How often (in listed objects: one S3 page) `list_event_files` tells its `on_listed` callback.
LISTED_EVERY = 1000
SANDBOX_REASON = "sandbox project (skipped)"
ARCHIVED_REASON = "archived: not readable until restored (it is read once a restored copy exists)"


@dataclass
class Retrieval:
    """The outcome of fetching a batch: every object given ends in exactly one list."""

    events: list[SourcedEvent] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)
    skipped: list[FileFailure] = field(default_factory=list)
    deferred: list[ObjectInfo] = field(default_factory=list)  # not fetched: the time budget ran out
    archived: list[FileFailure] = field(default_factory=list)  # not readable until restored


@dataclass
class ArchiveCheck:
    """Archived objects after a HEAD each: those now readable, those still archived, restores started."""

    readable: list[ObjectInfo] = field(default_factory=list)
    archived: list[FileFailure] = field(default_factory=list)
    restores_started: int = 0


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
        rules: Rules = DEFAULT_RULES,
    ) -> None:
        self._objects = objects
        self._include_sandbox = include_sandbox
        self._progress = progress
        self._on_listed = on_listed
        self._rules = rules

    @property
    def rules(self) -> Rules:
        return self._rules

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
                self._sort(FileFailure(info.key, info.etag, reason, rules=self._rules.fingerprint), retrieval)
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

    def check_archived(self, objects: Sequence[ObjectInfo], restore: RestoreTier | None = None) -> ArchiveCheck:
        """One HEAD per archived object: readable ones are to be fetched, the others stay archived.

        With `restore`, an archived object without a restore under way gets one (tier
        `restore`). A HEAD or restore that fails leaves the object archived (logged): it
        is looked at again next run.
        """
        check = ArchiveCheck()
        for info in objects:
            state = None
            try:
                state = self._objects.head(info.key)
                if state is not None and state.readable:
                    check.readable.append(info)
                    continue
                if restore is not None and state is not None and not state.restoring:
                    check.restores_started += self._objects.restore(info.key, restore, state.storage_class)
            except CheckpointError as error:
                logger.warning("archived file not inspected", extra={"key": info.key, "reason": str(error)})
            storage_class = state.storage_class if state is not None else info.storage_class
            check.archived.append(FileFailure(info.key, info.etag, ARCHIVED_REASON, storage_class=storage_class))
        return check

    def _outcome(self, info: ObjectInfo, outcome: FetchOutcome) -> SourcedEvent | FileFailure:
        if not isinstance(outcome, FetchedObject):
            # S3 refused or kept failing after retries: not a verdict on the content, so it
            # is reported now and tried again next run (see FileFailure.retryable). An
            # archived object (e.g. in an Intelligent-Tiering archive tier) is a state: it
            # is recorded as archived and looked at by HEAD until restored.
            if outcome.archived:
                return FileFailure(info.key, info.etag, ARCHIVED_REASON, storage_class=info.storage_class)
            return FileFailure(
                info.key, info.etag, f"fetch failed: {outcome.reason}", retryable=True, vanished=outcome.missing
            )
        etag = outcome.etag or info.etag
        try:
            event = self._rules.parse(outcome.data)
        except InvalidEventFile as exc:
            return FileFailure(info.key, etag, exc.reason, rules=self._rules.fingerprint)
        return SourcedEvent(event, info.key, etag, outcome.last_modified, extra_fields_of(event.model_extra))

    def _sort(self, outcome: SourcedEvent | FileFailure, retrieval: Retrieval) -> None:
        if isinstance(outcome, FileFailure) and outcome.reason == ARCHIVED_REASON:
            logger.info("event file archived", extra={"key": outcome.key, "storage_class": outcome.storage_class})
            retrieval.archived.append(outcome)
        elif isinstance(outcome, FileFailure):
            logger.warning(
                "event file failed",
                extra={"key": outcome.key, "reason": outcome.reason, "retryable": outcome.retryable},
            )
            retrieval.failures.append(outcome)
        elif outcome.event.project_label.startswith(SANDBOX_PROJECT_PREFIX) and not self._include_sandbox:
            retrieval.skipped.append(FileFailure(outcome.source_key, outcome.source_etag, SANDBOX_REASON))
        else:
            retrieval.events.append(outcome)
