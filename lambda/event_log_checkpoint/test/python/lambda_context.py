"""A Lambda context as the runtime passes it, and the EMF metrics a handler printed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class LambdaContext:
    function_name: str = "event-log-checkpoint"
    memory_limit_in_mb: int = 3008
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:event-log-checkpoint"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    remaining_ms: int = 900_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def emf_metrics(stdout: str) -> dict[str, Any]:
    """The run's EMF blob (the cold-start metric comes in a blob of its own)."""
    blobs = [json.loads(line) for line in stdout.splitlines() if line.startswith("{") and "_aws" in line]
    runs = [blob for blob in blobs if "NewEventsProcessed" in blob]
    assert len(runs) == 1
    blob: dict[str, Any] = runs[0]
    return blob
