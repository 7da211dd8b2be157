"""The failure record: every listed file version that did not become a checkpoint row
(its content failed, or it was skipped as sandbox), and why.

It lets a run skip those versions instead of fetching them again, and report them in
every response until their file is rewritten (new ETag) or deleted. One record serves
the whole log: a run over a narrower prefix leaves the entries outside it alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from checkpoint_lambda.domain.events import FileFailure

FORMAT_VERSION = 1


@dataclass(frozen=True)
class ListingScope:
    """What one run listed: every event-named key under `prefix`, with its ETag.

    A run that listed nothing (the event path reads only the keys it was told of) has no
    prefix: it judges the entries of the keys it read, and no others.
    """

    prefix: str | None
    versions: Mapping[str, str]

    @classmethod
    def of_keys(cls, versions: Mapping[str, str]) -> ListingScope:
        return cls(None, versions)

    def still_valid(self, entry: FileFailure, known_before: set[tuple[str, str]]) -> bool:
        """Whether an entry still describes a current file, as far as this listing knows.

        A listed key keeps its entry only with the same ETag (a rewrite gets a new verdict).
        A key under the prefix that was not listed is gone if the entry was known before
        the listing; an entry written since (by a concurrent run) may be about a file
        newer than the listing, so it stays. Keys outside the prefix are not this run's to judge.
        """
        if entry.key in self.versions:
            return self.versions[entry.key] == entry.etag
        if self.prefix is None or not entry.key.startswith(self.prefix):
            return True
        return (entry.key, entry.etag) not in known_before


@dataclass(frozen=True)
class FailureRecord:
    """Failed and skipped file versions, each keyed by its S3 key."""

    failures: Mapping[str, FileFailure] = field(default_factory=dict)
    skipped: Mapping[str, FileFailure] = field(default_factory=dict)

    def versions(self) -> set[tuple[str, str]]:
        """(key, etag) pairs a run need not fetch again."""
        return {(f.key, f.etag) for f in (*self.failures.values(), *self.skipped.values())}

    def updated(
        self,
        scope: ListingScope,
        new_failures: Iterable[FileFailure] = (),
        new_skipped: Iterable[FileFailure] = (),
    ) -> FailureRecord:
        """This record after a run: its new verdicts added, entries of rewritten or deleted files dropped."""
        return self.reconciled(FailureRecord(_by_key(new_failures), _by_key(new_skipped)), scope, self)

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

        return FailureRecord(combine(self.failures, ours.failures), combine(self.skipped, ours.skipped))

    def to_json(self) -> bytes:
        def rows(entries: Mapping[str, FileFailure]) -> list[dict[str, str]]:
            ordered = sorted(entries.values(), key=lambda entry: entry.key)
            return [{"key": f.key, "etag": f.etag, "reason": f.reason} for f in ordered]

        body = {"version": FORMAT_VERSION, "failures": rows(self.failures), "skipped": rows(self.skipped)}
        return json.dumps(body, indent=1, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> FailureRecord:
        """Raises ValueError (also for missing or mistyped fields) when `data` is not a record of this format."""
        try:
            body = json.loads(data)
            if not isinstance(body, dict) or body.get("version") != FORMAT_VERSION:
                raise ValueError("not a failure record of this version")

            def entries(name: str) -> dict[str, FileFailure]:
                rows = body.get(name, [])
                return _by_key(FileFailure(str(r["key"]), str(r["etag"]), str(r["reason"])) for r in rows)

            return cls(entries("failures"), entries("skipped"))
        except (KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError(f"malformed failure record ({type(exc).__name__}: {exc})") from exc


def _by_key(entries: Iterable[FileFailure]) -> dict[str, FileFailure]:
    return {entry.key: entry for entry in entries}
