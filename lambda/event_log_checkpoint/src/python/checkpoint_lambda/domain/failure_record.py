"""The failure record: every listed file version that did not become a checkpoint row
(its content failed, it was skipped as sandbox, or it is archived), and why.

It lets a run skip those versions instead of fetching them again, and report them in
every response until their file is rewritten (new ETag) or deleted. One record serves
the whole log: a run over a narrower prefix leaves the entries outside it alone.

Format (version 1, readable by every release since 1.0.0, which read `key`, `etag` and
`reason` of `failures` and `skipped` and ignore anything else): a content failure also
names the `rules` fingerprint that judged it, and archived objects (a state, not a
verdict) have their own section `archived`, each with its `storage_class`. Archived
entries an older release wrote among the failures (their reason ends in the archived
hint) are read into that section.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from checkpoint_lambda.domain.events import FileFailure

FORMAT_VERSION = 1
ARCHIVED_HINT = " (archived: restore it, then rewrite it or remove its entry from the failure record)"


@dataclass(frozen=True)
class ListingScope:
    """What one run listed: every event-named key under `prefix`, with its ETag.

    A run that listed nothing (the event path reads only the keys it was told of) has no
    prefix: it judges the entries of the keys it read, and no others.
    """

    prefix: str | None
    versions: Mapping[str, str]
    #: Versions this run read into rows: any entry about them is over.
    resolved: frozenset[tuple[str, str]] = frozenset()

    def still_valid(self, entry: FileFailure, known_before: set[tuple[str, str]]) -> bool:
        """Whether an entry still describes a current file, as far as this listing knows.

        A listed key keeps its entry only with the same ETag (a rewrite gets a new verdict).
        A key under the prefix that was not listed is gone if the entry was known before
        the listing; an entry written since (by a concurrent run) may be about a file
        newer than the listing, so it stays. Keys outside the prefix are not this run's to judge.
        """
        if (entry.key, entry.etag) in self.resolved:
            return False
        if entry.key in self.versions:
            return self.versions[entry.key] == entry.etag
        if self.prefix is None or not entry.key.startswith(self.prefix):
            return True
        return (entry.key, entry.etag) not in known_before


@dataclass(frozen=True)
class FailureRecord:
    """Failed, skipped and archived file versions, each keyed by its S3 key."""

    failures: Mapping[str, FileFailure] = field(default_factory=dict)
    skipped: Mapping[str, FileFailure] = field(default_factory=dict)
    archived: Mapping[str, FileFailure] = field(default_factory=dict)

    def versions(self) -> set[tuple[str, str]]:
        """(key, etag) pairs a run need not fetch again (archived ones are looked at by HEAD only)."""
        entries = (*self.failures.values(), *self.skipped.values(), *self.archived.values())
        return {(f.key, f.etag) for f in entries}

    def judged_by_other_rules(self, fingerprint: str, *, everything: bool = False) -> set[tuple[str, str]]:
        """Content failures not judged by the rules of `fingerprint` (all of them when `everything`).

        An entry without a fingerprint (an older release's) counts as judged by other rules.
        """
        return {(f.key, f.etag) for f in self.failures.values() if everything or f.rules != fingerprint}

    def updated(
        self,
        scope: ListingScope,
        new_failures: Iterable[FileFailure] = (),
        new_skipped: Iterable[FileFailure] = (),
        new_archived: Iterable[FileFailure] = (),
    ) -> FailureRecord:
        """This record after a run: its new verdicts added, entries of rewritten, deleted or now read files dropped."""
        ours = FailureRecord(_by_key(new_failures), _by_key(new_skipped), _by_key(new_archived))
        return self.reconciled(ours, scope, self)

    def reconciled(self, ours: FailureRecord, scope: ListingScope, seen_before: FailureRecord) -> FailureRecord:
        """This record (as stored now, perhaps by another run) combined with `ours`.

        Our entries win; the stored ones stay unless our listing shows their file was
        rewritten or deleted (see `ListingScope.still_valid`). `seen_before` is the record
        as this run first read it.
        """
        known_before = seen_before.versions()

        def combine(stored: Mapping[str, FileFailure], mine: Mapping[str, FileFailure]) -> dict[str, FileFailure]:
            kept = {key: entry for key, entry in stored.items() if scope.still_valid(entry, known_before)}
            return {**kept, **mine}

        failures = combine(self.failures, ours.failures)
        archived = combine(self.archived, ours.archived)
        # A key is in one section: the latest verdict on it moves it.
        for key in ours.failures:
            archived.pop(key, None)
        for key in ours.archived:
            failures.pop(key, None)
        return FailureRecord(failures, combine(self.skipped, ours.skipped), archived)

    def to_json(self) -> bytes:
        body = {
            "version": FORMAT_VERSION,
            "failures": _rows(self.failures),
            "skipped": _rows(self.skipped),
            "archived": _rows(self.archived),
        }
        return json.dumps(body, indent=1, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> FailureRecord:
        """Raises ValueError (also for missing or mistyped fields) when `data` is not a record of this format."""
        try:
            body = json.loads(data)
            if not isinstance(body, dict) or body.get("version") != FORMAT_VERSION:
                raise ValueError("not a failure record of this version")

            def entries(name: str) -> dict[str, FileFailure]:
                return _by_key(_entry(row) for row in body.get(name, []))

            failures, archived = entries("failures"), entries("archived")
            moved = {key: entry for key, entry in failures.items() if entry.reason.endswith(ARCHIVED_HINT)}
            kept = {key: entry for key, entry in failures.items() if key not in moved}
            return cls(kept, entries("skipped"), {**moved, **archived})
        except (KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError(f"malformed failure record ({type(exc).__name__}: {exc})") from exc


def _rows(entries: Mapping[str, FileFailure]) -> list[dict[str, str]]:
    rows = []
    for f in sorted(entries.values(), key=lambda entry: entry.key):
        row = {"key": f.key, "etag": f.etag, "reason": f.reason}
        if f.rules is not None:
            row["rules"] = f.rules
        if f.storage_class is not None:
            row["storage_class"] = f.storage_class
        rows.append(row)
    return rows


def _entry(row: Mapping[str, object]) -> FileFailure:
    rules, storage_class = row.get("rules"), row.get("storage_class")
    return FileFailure(
        str(row["key"]),
        str(row["etag"]),
        str(row["reason"]),
        rules=None if rules is None else str(rules),
        storage_class=None if storage_class is None else str(storage_class),
    )


def _by_key(entries: Iterable[FileFailure]) -> dict[str, FileFailure]:
    return {entry.key: entry for entry in entries}
