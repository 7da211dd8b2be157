"""The Powertools objects, created once per process as Powertools intends.

The service name comes from POWERTOOLS_SERVICE_NAME (one per deployed environment), so
each environment's metrics carry their own `service` dimension and alarms. There is no
tracing SDK here: Lambda's active tracing records the invocation, and a run's phases
are log fields and metrics (see phases.py). Importing this module touches no credentials.
"""

from __future__ import annotations

import logging
import sys
from typing import Final

from aws_lambda_powertools import Logger, Metrics

from checkpoint_lambda.config import service_name
from checkpoint_lambda.version import VERSION

SERVICE: Final = service_name()
METRICS_NAMESPACE: Final = "EventLogCheckpoint"

# Logs go to stderr: stdout carries the CLI's JSON response and the EMF metrics.
# RFC 3339 timestamps, as CloudWatch Logs Insights parses them; no `taskName` (always null here).
# Python 3.12 would name the fetch workers' asyncio task in every record (typeshed lacks the flag).
logging.logAsyncioTasks = False  # type: ignore[attr-defined]
logger = Logger(service=SERVICE, stream=sys.stderr, use_rfc3339=True, version=VERSION)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)
