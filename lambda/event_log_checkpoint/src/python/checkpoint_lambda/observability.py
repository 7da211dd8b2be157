"""The Powertools objects, created once per process as Powertools intends."""

from __future__ import annotations

import sys

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "event-log-checkpoint"
METRICS_NAMESPACE = "EventLogCheckpoint"

# Logs go to stderr: stdout carries the CLI's JSON response and the EMF metrics.
logger = Logger(service=SERVICE, stream=sys.stderr)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)
