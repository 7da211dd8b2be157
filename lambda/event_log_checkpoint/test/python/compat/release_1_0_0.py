"""Release 1.0.0 as released: its fixtures, and its own code run against an S3 endpoint.

`release_1_0_0/checkpoint_lambda.zip` is that release's `checkpoint_lambda` package, taken
unchanged from its commit by `make_v1_fixtures.py`. A child process with only that zip on its
path imports the old package (the zip import machinery reads it), so the old reader and the
old run are exercised as they were released, with this repository's pinned dependencies
(1.0.0 pinned the same versions).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

RELEASE_COMMIT: Final = "cd87cc2"
FIXTURES: Final = Path(__file__).resolve().parent / "release_1_0_0"
PACKAGE_ZIP: Final = FIXTURES / "checkpoint_lambda.zip"
CHECKPOINT: Final = FIXTURES / "checkpoint.parquet"
FAILURE_RECORD: Final = FIXTURES / "failure_record.json"
#: The log as 1.0.0 last saw it: [{"key", "body"}] (a rewritten key holds its latest content).
LOG: Final = FIXTURES / "log.json"
#: Files written after 1.0.0's last run: a new release must fetch exactly these.
UNSEEN: Final = FIXTURES / "unseen.json"
PREFIX: Final = "prod/"
CHECKPOINT_KEY: Final = "checkpoints/prod/checkpoint.parquet"
FAILURE_RECORD_KEY: Final = "checkpoints/prod_failures/checkpoint.json"

_RUNNER = """
import json, sys
import checkpoint_lambda
from checkpoint_lambda.lambda_function import handle
response = handle(json.loads(sys.argv[1]))
print("RELEASE-1.0.0 " + json.dumps({"package": checkpoint_lambda.__file__, "response": response}))
"""


def run_release_1_0_0(endpoint: str, bucket: str) -> dict[str, Any]:
    """1.0.0's handler over `bucket` (log under PREFIX, checkpoint at CHECKPOINT_KEY); its response.

    Raises RuntimeError when the child did not import the zipped package or did not answer.
    """
    payload = {"source_bucket": bucket, "prefix": PREFIX, "checkpoint_bucket": bucket, "checkpoint_key": CHECKPOINT_KEY}
    env = {
        **os.environ,
        "PYTHONPATH": str(PACKAGE_ZIP),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(payload)],
        cwd=FIXTURES,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RELEASE-1.0.0 ")]
    if not lines:
        raise RuntimeError(f"release 1.0.0 did not answer (exit {done.returncode}): {done.stderr[-2000:]}")
    answer: dict[str, Any] = json.loads(lines[-1].removeprefix("RELEASE-1.0.0 "))
    if not answer["package"].startswith(str(PACKAGE_ZIP)):
        raise RuntimeError(f"the child imported {answer['package']}, not release 1.0.0's package")
    response: dict[str, Any] = answer["response"]
    return response


def log_files(path: Path) -> list[tuple[str, bytes]]:
    """(key, body) of each file of a fixture log."""
    return [(item["key"], item["body"].encode()) for item in json.loads(path.read_text(encoding="utf-8"))]


def upload_log(s3_client: Any, bucket: str, path: Path = LOG, *, without: frozenset[str] = frozenset()) -> int:
    """Writes a fixture log's files into `bucket` (S3 gives them the same ETags again); their count."""
    files = [(key, body) for key, body in log_files(path) if key not in without]
    for key, body in files:
        s3_client.put_object(Bucket=bucket, Key=key, Body=body)
    return len(files)


def place_release_checkpoint(s3_client: Any, bucket: str) -> None:
    """1.0.0's checkpoint and failure record where 1.0.0 wrote them."""
    s3_client.put_object(Bucket=bucket, Key=CHECKPOINT_KEY, Body=CHECKPOINT.read_bytes())
    s3_client.put_object(Bucket=bucket, Key=FAILURE_RECORD_KEY, Body=FAILURE_RECORD.read_bytes())
