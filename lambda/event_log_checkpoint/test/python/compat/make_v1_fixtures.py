"""Writes the fixtures of release 1.0.0 (commit cd87cc2) with that release's own code.

Rerun from the repository root (needs git, the commit, and ./bin/bootstrap's .venv):

    PYTHONPATH=lambda/event_log_checkpoint/test/python \
        .venv/bin/python lambda/event_log_checkpoint/test/python/compat/make_v1_fixtures.py

It takes 1.0.0's `checkpoint_lambda` package out of git into `release_1_0_0/checkpoint_lambda.zip`,
starts moto's S3 server, writes a small log (valid events of several groups; studies that
1.0.0 accepts and later releases reject: `foo/bar`, `new study`, `..`; an upper-case study;
a sandbox project by name and by content; bad JSON; an invalid event; a non-event object),
runs 1.0.0's handler, adds a late file, rewritten keys and a new file, runs it again, and
keeps what it wrote: `checkpoint.parquet`, `failure_record.json`, the log as it then stood
(`log.json`) and the files written after it (`unseen.json`, which a newer release must fetch).
The parquet's `source_last_modified` values are the time of the run, so a rerun changes them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from compat.release_1_0_0 import (
    CHECKPOINT,
    CHECKPOINT_KEY,
    FAILURE_RECORD,
    FAILURE_RECORD_KEY,
    FIXTURES,
    LOG,
    PACKAGE_ZIP,
    PREFIX,
    RELEASE_COMMIT,
    UNSEEN,
    run_release_1_0_0,
)

BUCKET = "release-1-0-0"
BASE: dict[str, Any] = {
    "action": "submit",
    "study": "adrc",
    "pipeline_adcid": 42,
    "project_label": "ingest-form",
    "center_label": "alpha",
    "gear_name": "form-scheduler",
    "ptid": "110001",
    "visit_date": "2024-01-15",
    "visit_number": "01",
    "datatype": "form",
    "module": "UDS",
    "packet": "I",
    "timestamp": "2024-01-15T10:20:00Z",
}


def event(**changes: Any) -> dict[str, Any]:
    fields = {**BASE, **changes}
    if fields["datatype"] != "form":
        fields["module"] = None
    return fields


def key_of(fields: dict[str, Any], project: str | None = None) -> str:
    stamp = fields["timestamp"][:19].replace("-", "").replace(":", "").replace("T", "-")
    parts = [fields["action"], stamp, fields["pipeline_adcid"], project or fields["project_label"], fields["ptid"]]
    return f"{PREFIX}log-{'-'.join(str(p) for p in parts)}-{fields['visit_date']}.json"


def file_of(fields: dict[str, Any], project: str | None = None) -> tuple[str, bytes]:
    return key_of(fields, project), json.dumps(fields, sort_keys=True).encode()


SUBMIT_A = event()
PASS_B = event(action="pass-qc", timestamp="2024-01-20T09:00:00Z")
FOO_BAR = event(study="foo/bar", ptid="330001", timestamp="2024-02-01T08:00:00Z")
FIRST_RUN = [
    file_of(SUBMIT_A),
    file_of(PASS_B),
    file_of(event(study="dvcid", datatype="apoe", ptid="220001", project_label="ingest-apoe")),
    file_of(event(datatype="dicom", ptid="110002", project_label="ingest-dicom", timestamp="2024-01-16T11:00:00Z")),
    file_of(FOO_BAR),
    file_of(event(study="new study", datatype="gwas", ptid="330002", timestamp="2024-02-02T08:00:00Z")),
    file_of(event(study="..", datatype="biomarker", ptid="330003", timestamp="2024-02-03T08:00:00Z")),
    file_of(event(study="LEADS", datatype="enrollment", ptid="440001", timestamp="2024-02-04T08:00:00Z")),
    file_of(event(ptid="550001", project_label="sandbox-form")),  # sandbox by name: never fetched
    file_of(event(ptid="550002", project_label="sandbox-form"), project="ingest-form"),  # sandbox by content
    (key_of(event(ptid="660001")), b"{not json"),
    (key_of(event(ptid="660002")), json.dumps({k: v for k, v in event(ptid="660002").items() if k != "ptid"}).encode()),
    (f"{PREFIX}README.txt", b"not an event file"),
]
SECOND_RUN = [
    file_of(event(ptid="110003", timestamp="2019-06-01T00:00:00Z")),  # late: written now, about 2019
    (key_of(SUBMIT_A), json.dumps({**SUBMIT_A, "packet": "F"}, sort_keys=True).encode()),  # rewritten key
    (key_of(FOO_BAR), json.dumps({**FOO_BAR, "visit_number": "02"}, sort_keys=True).encode()),  # rewritten, foo/bar
    file_of(event(study="dvcid", ptid="220002", timestamp="2024-03-01T08:00:00Z")),
]
AFTER_RELEASE = [
    file_of(event(ptid="110004", timestamp="2024-04-01T08:00:00Z")),
    (key_of(PASS_B), json.dumps({**PASS_B, "packet": "F"}, sort_keys=True).encode()),  # rewritten again
    file_of(event(ptid="110005", timestamp="2018-01-01T00:00:00Z")),  # late
    (key_of(event(ptid="660003")), b"[1, 2"),  # bad JSON
    file_of(event(study="new study", datatype="gwas", ptid="330004", timestamp="2024-04-02T08:00:00Z")),
]


def take_release_package(repo: Path) -> None:
    """1.0.0's checkpoint_lambda package, from git, as a zip with the package at its root."""
    tree = f"{RELEASE_COMMIT}:lambda/event_log_checkpoint/src/python"
    subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=zip", "-o", str(PACKAGE_ZIP), tree, "checkpoint_lambda"],
        check=True,
    )


def upload(s3: Any, files: list[tuple[str, bytes]]) -> None:
    for key, body in files:
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)


def read(s3: Any, key: str) -> bytes:
    body: bytes = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return body


def write_fixtures(endpoint: str) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    for files in (FIRST_RUN, SECOND_RUN):
        upload(s3, files)
        response = run_release_1_0_0(endpoint, BUCKET)
        print(json.dumps({k: v for k, v in response.items() if k != "failures"}))
        if response["statusCode"] != 200:
            raise SystemExit(f"release 1.0.0 failed: {response}")
    CHECKPOINT.write_bytes(read(s3, CHECKPOINT_KEY))
    FAILURE_RECORD.write_bytes(read(s3, FAILURE_RECORD_KEY))
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)["Contents"]
    log = [{"key": item["Key"], "body": read(s3, item["Key"]).decode()} for item in listed]
    LOG.write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
    unseen = [{"key": key, "body": body.decode()} for key, body in AFTER_RELEASE]
    UNSEEN.write_text(json.dumps(unseen, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    take_release_package(Path(__file__).resolve().parents[5])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        write_fixtures(f"http://{host}:{port}")
    finally:
        server.stop()
    print(f"wrote {', '.join(p.name for p in sorted(FIXTURES.iterdir()))} in {FIXTURES}")


if __name__ == "__main__":
    main()
