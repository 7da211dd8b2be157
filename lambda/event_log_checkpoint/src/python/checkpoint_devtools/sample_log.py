"""A realistic, reproducible sample of the visit event log: one small JSON file per visit event.

All three file-name shapes, several events per visit, late files, rewritten keys,
sandbox projects, and broken files. Used by the demo, the tests and the benchmark.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

CENTRES = [(42, "alpha"), (43, "bravo"), (44, "charlie"), (45, "delta"), (46, "echo"), (47, "foxtrot")]
FORM_MODULES = ["UDS", "UDS", "UDS", "FTLD", "LBD", "MDS", "FTLD-NP"]
PACKETS = ["I", "F", "F", "IT", "FT"]
NAME_DATE_SHAPE_FROM = datetime(2026, 3, 1, tzinfo=UTC)  # production switched name shapes then


@dataclass(frozen=True)
class LogFile:
    key: str
    body: bytes


@dataclass(frozen=True)
class SampleEvent:
    fields: dict[str, object]

    @property
    def timestamp(self) -> datetime:
        return datetime.fromisoformat(str(self.fields["timestamp"]))


def event_key(prefix: str, fields: dict[str, object], shape: str | None = None) -> str:
    """The file name the producer would write for `fields` ("current", "earlier" or "legacy" shape)."""
    ts = datetime.fromisoformat(str(fields["timestamp"]))
    shape = shape or ("current" if ts >= NAME_DATE_SHAPE_FROM else "earlier")
    stamp = ts.strftime("%Y%m%d-%H%M%S")
    if shape == "legacy":
        return f"{prefix}log-{fields['action']}-{ts:%Y%m%d}.json"
    last = fields["visit_date"] if shape == "current" else (fields.get("visit_number") or "01")
    parts = [fields["action"], stamp, fields["pipeline_adcid"], fields["project_label"], fields["ptid"], last]
    return f"{prefix}log-{'-'.join(str(p) for p in parts)}.json"


def encode(fields: dict[str, object]) -> bytes:
    return json.dumps(fields, separators=(", ", ": ")).encode()


class SampleLog:
    """Generates visits and their events with one seeded random source."""

    def __init__(self, seed: int = 7, start: date = date(2025, 6, 1), days: int = 400) -> None:
        self.random = random.Random(seed)  # noqa: S311 - sample data, not security
        self.start = start
        self.days = days
        self._ptids = 0

    def visit_events(self, sandbox: bool = False) -> list[SampleEvent]:
        """A visit's submit, and its QC outcome(s): not-pass-qc sometimes followed by pass-qc."""
        rnd = self.random
        adcid, centre = rnd.choice(CENTRES)
        self._ptids += 1
        datatype = "form" if rnd.random() < 0.85 else rnd.choice(["dicom", "biomarker", "apoe", "enrollment"])
        project = (
            "sandbox-form"
            if sandbox
            else {"form": "ingest-form", "dicom": "ingest-dicom-leads"}.get(datatype, "ingest-form-dvcid")
        )
        visit_date = self.start + timedelta(days=rnd.randrange(self.days))
        base = {
            "study": "adrc" if project != "ingest-form-dvcid" else "dvcid",
            "pipeline_adcid": adcid,
            "project_label": project,
            "center_label": centre,
            "gear_name": "form-scheduler",
            "ptid": f"{100000 + self._ptids}",
            "visit_date": visit_date.isoformat(),
            "visit_number": f"{rnd.randint(1, 9):02d}",
            "datatype": datatype,
            "module": rnd.choice(FORM_MODULES) if datatype == "form" else None,
            "packet": rnd.choice(PACKETS) if datatype == "form" else None,
        }
        submitted = datetime.combine(visit_date, datetime.min.time(), UTC) + timedelta(
            days=rnd.randint(0, 45), seconds=rnd.randrange(86_400)
        )
        events: list[dict[str, object]] = [{**base, "action": "submit", "timestamp": _iso(submitted)}]
        checked = submitted + timedelta(minutes=rnd.randint(5, 600))
        if rnd.random() < 0.22:
            events.append({**base, "action": "not-pass-qc", "timestamp": _iso(checked)})
            checked += timedelta(days=rnd.randint(1, 20))
            if rnd.random() < 0.7:
                events.append({**base, "action": "pass-qc", "timestamp": _iso(checked)})
        else:
            events.append({**base, "action": "pass-qc", "timestamp": _iso(checked)})
        return [SampleEvent(e) for e in events]

    def files(self, prefix: str, visits: int, sandbox_share: float = 0.03, legacy_share: float = 0.02) -> list[LogFile]:
        """Event files of `visits` visits; some legacy names (one per action and day); some sandbox visits."""
        out: list[LogFile] = []
        keys: set[str] = set()
        for _ in range(visits):
            for event in self.visit_events(sandbox=self.random.random() < sandbox_share):
                key = event_key(prefix, event.fields, "legacy")
                if key in keys or self.random.random() >= legacy_share:
                    key = event_key(prefix, event.fields)
                if key not in keys:
                    keys.add(key)
                    out.append(LogFile(key, encode(event.fields)))
        return out

    def incomplete_then_complete(self, prefix: str, count: int) -> tuple[list[LogFile], list[LogFile]]:
        """Files first written with module/packet null, and the same keys rewritten complete."""
        first, second = [], []
        for _ in range(count):
            event = self.visit_events()[0].fields
            if event["datatype"] != "form":
                continue
            key = event_key(prefix, event)
            first.append(LogFile(key, encode({**event, "packet": None})))
            second.append(LogFile(key, encode(event)))
        return first, second

    def late_files(self, prefix: str, count: int) -> list[LogFile]:
        """Backfilled events whose timestamps are older than most of the log."""
        late_log = SampleLog(seed=self.random.randrange(1 << 30), start=self.start, days=30)
        late_log._ptids = 900_000
        return late_log.files(prefix, count, sandbox_share=0.0, legacy_share=0.0)


def broken_files(prefix: str) -> list[LogFile]:
    """Files that must be reported as failed, each for its own reason."""
    good = {
        "action": "submit",
        "pipeline_adcid": 42,
        "project_label": "ingest-form",
        "center_label": "alpha",
        "gear_name": "form-scheduler",
        "ptid": "BROKEN1",
        "visit_date": "2025-07-01",
        "datatype": "form",
        "module": "UDS",
        "timestamp": "2025-07-02T10:00:00Z",
    }
    name = "log-submit-20250702-100000-42-ingest-form-BROKEN{}-2025-07-01.json"
    bodies = [
        b'{"action": "submit", "pipeline_adcid": 42, "project_',  # truncated
        encode({k: v for k, v in good.items() if k != "ptid"}),  # missing field
        encode({**good, "ptid": "has space"}),  # bad ptid
        encode({**good, "visit_date": "2025-02-30"}),  # impossible date
        '{"action": "submit", "center_label": "caf\xe9"}'.encode("latin-1"),  # not UTF-8
        b"[]",  # not an object
    ]
    return [LogFile(prefix + name.format(i), body) for i, body in enumerate(bodies)]


def non_event_files(prefix: str) -> list[LogFile]:
    return [
        LogFile(f"{prefix}.keep", b""),
        LogFile(f"{prefix}README.txt", b"event log"),
        LogFile(f"{prefix}other-log-2024.json", b"{}"),
    ]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
