"""What each case reads and writes, and what it must have done: the specs `bench.cases` runs.

Two conditions: `direct` (SeaweedFS on loopback, a LIST page in a few milliseconds) and
`latency` (the same server behind `bench.latency`'s proxy: S3's delays per request).
Every case carries the endpoint of its condition; the serial-listing variants carry
`LIST_CONCURRENCY=1`, which makes the Lambda list with the plain paginator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EVENTS, ADD_PREFIX, MILLION_PREFIX = "events/", "grown/", "million/"
WARM_KEY = "checkpoints/warm/checkpoint.parquet"
ADD_KEY = "checkpoints/grown/checkpoint.parquet"
MILLION_KEY = "checkpoints/million/checkpoint.parquet"
SERIAL_LISTING = {"LIST_CONCURRENCY": "1"}

Spec = dict[str, Any]


@dataclass
class Plan:
    """The sizes of one benchmark run and the state of the log as the run goes on."""

    bucket: str
    files: int
    baseline_files: int | None
    checkpoint_rows: int
    new_files: int
    million_files: int = 0
    added_total: int = 0  # files added so far under ADD_PREFIX (every +new repetition adds more)
    million_added: int = 0
    endpoints: dict[str, str] = field(default_factory=dict)

    def spec(self, case: str, condition: str, rep: int) -> Spec:
        spec: Spec = {"case": case, "condition": condition, "endpoint": self.endpoints[condition]}
        spec.update(bucket=self.bucket, prefix=EVENTS, env={})
        if case == "ours_first":
            spec["checkpoint_key"] = f"checkpoints/first-{condition}-{rep}/checkpoint.parquet"
        elif case in {"ours_incremental", "ours_incremental_serial"}:
            spec["checkpoint_key"] = WARM_KEY
        elif case == "ours_add_new":
            spec.update(prefix=ADD_PREFIX, checkpoint_key=ADD_KEY)
        elif case.startswith("million_"):
            spec.update(prefix=MILLION_PREFIX, checkpoint_key=MILLION_KEY)
        else:
            spec["limit"] = self.baseline_files
        if case.endswith("_serial"):
            spec["env"] = dict(SERIAL_LISTING)
        return spec

    def expected(self, case: str, result: dict[str, Any]) -> dict[str, int | bool]:
        """The counts a correct run of `case` reports (a fast wrong answer is no result)."""
        baseline = min(self.files, self.baseline_files or self.files)
        wants: dict[str, dict[str, int | bool]] = {
            "seed_serial": {"files_fetched": baseline, "events_valid": baseline},
            "reference_threads": {"files_fetched": baseline, "events_valid": baseline},
            "ours_first": {"files_fetched": self.files, "new_events": self.files, "new_files_failed": 0},
            "ours_incremental": {"files_fetched": 0, "checkpoint_written": False, "files_listed": self.files},
            "ours_incremental_serial": {"files_fetched": 0, "checkpoint_written": False, "files_listed": self.files},
            "ours_add_new": {
                "files_fetched": self.new_files,
                "new_events": self.new_files,
                "total_events": max(self.checkpoint_rows, self.files) + self.added_total,
            },
            "million_first": {"files_fetched": self.million_files, "new_events": self.million_files},
            "million_incremental": {"files_fetched": 0, "files_listed": self.million_files + self.million_added},
            "million_incremental_serial": {
                "files_fetched": 0,
                "files_listed": self.million_files + self.million_added,
            },
            "million_add_new": {
                "files_fetched": self.new_files,
                "total_events": self.million_files + self.million_added,
            },
        }
        return {k: v for k, v in wants[case].items() if result.get(k) != v}
