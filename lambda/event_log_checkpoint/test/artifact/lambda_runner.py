"""Invokes a handler once the way Lambda's Python runtime does, inside a bare interpreter.

Started by test_artifacts_run.py as `python -B -S -I lambda_runner.py REQUEST.json`: with no
site-packages and no environment-driven paths, the only third-party code it can import is what
the request puts on sys.path (the function folder, the layers' python/ folder, and the folder
with what the runtime provides). Standard library only, so it runs before anything is on the path.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any


class LambdaContext:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name = "event-log-checkpoint"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:event-log-checkpoint"
    memory_limit_in_mb = 1024
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/event-log-checkpoint"
    log_stream_name = "artifact-test"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def origin_of(module_name: str) -> str | None:
    """The file a loaded top-level module came from, so the test can see which folder supplied it."""
    module = sys.modules.get(module_name)
    return getattr(module, "__file__", None) if module is not None else None


def main(request_path: str) -> int:
    request: dict[str, Any] = json.loads(Path(request_path).read_text(encoding="utf-8"))
    sys.path[:0] = request["path"]
    module_name, _, function_name = request["handler"].rpartition(".")

    started = time.perf_counter()
    module = importlib.import_module(module_name)
    import_seconds = time.perf_counter() - started

    handler = getattr(module, function_name)
    responses = [handler(event, LambdaContext()) for event in request["events"]]
    for name in request.get("also_import", []):
        importlib.import_module(name)

    result = {
        "responses": responses,
        "import_seconds": import_seconds,
        "sys_path": sys.path,
        "origins": {name: origin_of(name) for name in request.get("report_origins", [])},
    }
    Path(request["result"]).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
