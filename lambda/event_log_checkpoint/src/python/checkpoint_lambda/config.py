"""Configuration of one run, from the invocation payload with the environment as fallback.

Everything the code reads from the environment is named here, once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from checkpoint_lambda.errors import ConfigError

ENV_SOURCE_BUCKET = "SOURCE_BUCKET"
ENV_SOURCE_PREFIX = "SOURCE_PREFIX"
ENV_CHECKPOINT_BUCKET = "CHECKPOINT_BUCKET"
ENV_CHECKPOINT_KEY = "CHECKPOINT_KEY"
ENV_INCLUDE_SANDBOX = "INCLUDE_SANDBOX"
ENV_FETCH_CONCURRENCY = "FETCH_CONCURRENCY"
ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL"
ENV_REGION = "AWS_REGION"
ENV_DEFAULT_REGION = "AWS_DEFAULT_REGION"

#: Every environment variable the code reads (Powertools reads its own POWERTOOLS_* too).
CONFIG_ENV_VARS: tuple[str, ...] = (
    ENV_SOURCE_BUCKET,
    ENV_SOURCE_PREFIX,
    ENV_CHECKPOINT_BUCKET,
    ENV_CHECKPOINT_KEY,
    ENV_INCLUDE_SANDBOX,
    ENV_FETCH_CONCURRENCY,
    ENV_ENDPOINT_URL,
    ENV_REGION,
    ENV_DEFAULT_REGION,
)

_PAYLOAD_KEYS = frozenset(
    {"source_bucket", "prefix", "checkpoint_bucket", "checkpoint_key", "since", "include_sandbox"}
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
DEFAULT_FETCH_CONCURRENCY = 64
MAX_FETCH_CONCURRENCY = 512


@dataclass(frozen=True)
class S3Settings:
    """How to reach S3: the same for listing, fetching, and the checkpoint read/write."""

    endpoint_url: str | None = None
    region: str = "us-east-1"
    fetch_concurrency: int = DEFAULT_FETCH_CONCURRENCY
    max_retries: int = 4
    retry_timeout_s: float = 60.0
    connect_timeout_s: float = 5.0
    request_timeout_s: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> S3Settings:
        env = os.environ if env is None else env
        raw = env.get(ENV_FETCH_CONCURRENCY, str(DEFAULT_FETCH_CONCURRENCY))
        try:
            concurrency = int(raw)
        except ValueError:
            raise ConfigError(f"{ENV_FETCH_CONCURRENCY} must be an integer, got {raw!r}") from None
        if not 1 <= concurrency <= MAX_FETCH_CONCURRENCY:
            raise ConfigError(f"{ENV_FETCH_CONCURRENCY} must be 1..{MAX_FETCH_CONCURRENCY}")
        return cls(
            endpoint_url=env.get(ENV_ENDPOINT_URL) or None,
            region=env.get(ENV_REGION) or env.get(ENV_DEFAULT_REGION) or "us-east-1",
            fetch_concurrency=concurrency,
        )


@dataclass(frozen=True)
class RunConfig:
    """What one run reads and where it writes."""

    source_bucket: str
    source_prefix: str
    checkpoint_bucket: str
    checkpoint_key: str
    include_sandbox: bool = False
    since: datetime | None = None

    @property
    def checkpoint_path(self) -> str:
        return f"s3://{self.checkpoint_bucket}/{self.checkpoint_key}"

    @property
    def failure_record_key(self) -> str:
        """The companion record of failed files: beside the checkpoint's folder, not in it.

        An Athena table's location is the checkpoint's folder; anything else in that
        folder would be read as table data. `a/events/checkpoint.parquet` keeps its
        failures in `a/events_failures/checkpoint.json`.
        """
        folder, _, name = self.checkpoint_key.rpartition("/")
        stem = name.rsplit(".", 1)[0] if "." in name else name
        return f"{folder}_failures/{stem}.json" if folder else f"{stem}_failures.json"

    @classmethod
    def from_event(cls, event: Any, env: Mapping[str, str] | None = None) -> RunConfig:
        """Payload fields win; what the payload omits comes from the environment.

        Accepts a direct payload (`aws lambda invoke`), an EventBridge scheduled event
        (`"source": "aws.events"`, runs on the environment alone), or `{}`.
        """
        env = os.environ if env is None else env
        if not isinstance(event, Mapping):
            raise ConfigError("event must be a JSON object")
        payload: Mapping[str, Any] = {} if event.get("source") in {"aws.events", "aws.scheduler"} else event
        unknown = sorted(set(payload) - _PAYLOAD_KEYS)
        if unknown:
            raise ConfigError(f"unknown payload field(s): {', '.join(unknown)}")
        values = {
            "source_bucket": _pick(payload, "source_bucket", env, ENV_SOURCE_BUCKET),
            "source_prefix": _pick(payload, "prefix", env, ENV_SOURCE_PREFIX),
            "checkpoint_bucket": _pick(payload, "checkpoint_bucket", env, ENV_CHECKPOINT_BUCKET),
            "checkpoint_key": _pick(payload, "checkpoint_key", env, ENV_CHECKPOINT_KEY),
        }
        missing = [name for name in ("source_bucket", "checkpoint_bucket", "checkpoint_key") if not values[name]]
        if missing:
            raise ConfigError(f"missing configuration: {', '.join(missing)} (payload field or environment variable)")
        if values["checkpoint_key"].endswith("/"):
            raise ConfigError("checkpoint_key must name an object, not a folder")
        return cls(
            source_bucket=values["source_bucket"],
            source_prefix=values["source_prefix"],
            checkpoint_bucket=values["checkpoint_bucket"],
            checkpoint_key=values["checkpoint_key"],
            include_sandbox=_flag(payload.get("include_sandbox", env.get(ENV_INCLUDE_SANDBOX, "false"))),
            since=_since(payload.get("since")),
        )


def _pick(payload: Mapping[str, Any], field: str, env: Mapping[str, str], var: str) -> str:
    value = payload.get(field)
    if value is None:
        value = env.get(var, "")
    if not isinstance(value, str):
        raise ConfigError(f"{field} must be a string")
    return value.strip()


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"include_sandbox must be true or false, got {value!r}")


def _since(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError("since must be an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"since is not an ISO 8601 date-time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
