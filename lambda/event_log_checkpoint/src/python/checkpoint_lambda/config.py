"""Configuration of one run, from the invocation payload with the environment as fallback.

Everything the code reads from the environment is named here, once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from checkpoint_lambda.domain.key_template import InvalidKeyTemplate, KeyTemplate
from checkpoint_lambda.domain.layout import Layout, PerGroup, SingleObject
from checkpoint_lambda.errors import ConfigError

ENV_SOURCE_BUCKET = "SOURCE_BUCKET"
ENV_SOURCE_PREFIX = "SOURCE_PREFIX"
ENV_CHECKPOINT_BUCKET = "CHECKPOINT_BUCKET"
ENV_CHECKPOINT_KEY = "CHECKPOINT_KEY"
ENV_CHECKPOINT_KEY_TEMPLATE = "CHECKPOINT_KEY_TEMPLATE"
ENV_INCLUDE_SANDBOX = "INCLUDE_SANDBOX"
ENV_FETCH_CONCURRENCY = "FETCH_CONCURRENCY"
ENV_LIST_CONCURRENCY = "LIST_CONCURRENCY"
ENV_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL"
ENV_REGION = "AWS_REGION"
ENV_DEFAULT_REGION = "AWS_DEFAULT_REGION"

#: Every environment variable the run's configuration reads (Powertools reads its own POWERTOOLS_*;
#: the service name, also used for the metrics' `service` dimension, is read by `service_name`).
CONFIG_ENV_VARS: tuple[str, ...] = (
    ENV_SOURCE_BUCKET,
    ENV_SOURCE_PREFIX,
    ENV_CHECKPOINT_BUCKET,
    ENV_CHECKPOINT_KEY,
    ENV_CHECKPOINT_KEY_TEMPLATE,
    ENV_INCLUDE_SANDBOX,
    ENV_FETCH_CONCURRENCY,
    ENV_LIST_CONCURRENCY,
    ENV_ENDPOINT_URL,
    ENV_REGION,
    ENV_DEFAULT_REGION,
)

_PAYLOAD_KEYS = frozenset(
    {
        "source_bucket",
        "prefix",
        "checkpoint_bucket",
        "checkpoint_key",
        "checkpoint_key_template",
        "since",
        "include_sandbox",
        "dry_run",
    }
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
DEFAULT_FETCH_CONCURRENCY = 64
MAX_FETCH_CONCURRENCY = 512
DEFAULT_LIST_CONCURRENCY = 8
MAX_LIST_CONCURRENCY = 64
DEFAULT_SERVICE_NAME = "event-log-checkpoint"


def service_name(env: Mapping[str, str] | None = None) -> str:
    """Powertools' service: one per deployed environment, so that each has its own metrics."""
    env = os.environ if env is None else env
    return env.get(ENV_SERVICE_NAME) or DEFAULT_SERVICE_NAME


@dataclass(frozen=True)
class S3Settings:
    """How to reach S3: the same for listing, fetching, and the checkpoint read/write."""

    endpoint_url: str | None = None
    region: str = "us-east-1"
    fetch_concurrency: int = DEFAULT_FETCH_CONCURRENCY
    list_concurrency: int = DEFAULT_LIST_CONCURRENCY
    max_retries: int = 4
    retry_timeout_s: float = 60.0
    connect_timeout_s: float = 5.0
    request_timeout_s: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> S3Settings:
        env = os.environ if env is None else env
        return cls(
            endpoint_url=env.get(ENV_ENDPOINT_URL) or None,
            region=env.get(ENV_REGION) or env.get(ENV_DEFAULT_REGION) or "us-east-1",
            fetch_concurrency=_count(env, ENV_FETCH_CONCURRENCY, DEFAULT_FETCH_CONCURRENCY, MAX_FETCH_CONCURRENCY),
            list_concurrency=_count(env, ENV_LIST_CONCURRENCY, DEFAULT_LIST_CONCURRENCY, MAX_LIST_CONCURRENCY),
        )


def _count(env: Mapping[str, str], var: str, default: int, most: int) -> int:
    raw = env.get(var, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{var} must be an integer, got {raw!r}") from None
    if not 1 <= value <= most:
        raise ConfigError(f"{var} must be 1..{most}")
    return value


@dataclass(frozen=True)
class RunConfig:
    """What one run reads, where it writes, and whether it writes at all (`dry_run`)."""

    source_bucket: str
    source_prefix: str
    checkpoint_bucket: str
    layout: Layout
    include_sandbox: bool = False
    since: datetime | None = None
    dry_run: bool = False

    @property
    def checkpoint_path(self) -> str:
        """`s3://bucket/key`, or `s3://bucket/<template>` in the per-group layout."""
        return f"s3://{self.checkpoint_bucket}/{self.layout.location}"

    @property
    def failure_record_key(self) -> str:
        return self.layout.failure_record_key

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
        }
        layout = _layout(payload, env)
        missing = [name for name in ("source_bucket", "checkpoint_bucket") if not values[name]]
        if layout is None:
            missing.append("checkpoint_key or checkpoint_key_template")
        if missing or layout is None:
            raise ConfigError(f"missing configuration: {', '.join(missing)} (payload field or environment variable)")
        return cls(
            source_bucket=values["source_bucket"],
            source_prefix=values["source_prefix"],
            checkpoint_bucket=values["checkpoint_bucket"],
            layout=layout,
            include_sandbox=_flag("include_sandbox", payload.get("include_sandbox", env.get(ENV_INCLUDE_SANDBOX))),
            since=_since(payload.get("since")),
            dry_run=_flag("dry_run", payload.get("dry_run")),
        )


def _layout(payload: Mapping[str, Any], env: Mapping[str, str]) -> Layout | None:
    """The payload's checkpoint location if it names one, else the environment's (None: neither)."""
    from_payload = [f for f in ("checkpoint_key", "checkpoint_key_template") if payload.get(f) is not None]
    if len(from_payload) == 2:
        raise ConfigError("give checkpoint_key or checkpoint_key_template, not both")
    if from_payload:
        source: Mapping[str, Any] = payload
    elif env.get(ENV_CHECKPOINT_KEY) and env.get(ENV_CHECKPOINT_KEY_TEMPLATE):
        raise ConfigError(f"set {ENV_CHECKPOINT_KEY} or {ENV_CHECKPOINT_KEY_TEMPLATE}, not both")
    else:
        source = {
            "checkpoint_key": env.get(ENV_CHECKPOINT_KEY),
            "checkpoint_key_template": env.get(ENV_CHECKPOINT_KEY_TEMPLATE),
        }
    key = _pick(source, "checkpoint_key", {}, ENV_CHECKPOINT_KEY)
    template = _pick(source, "checkpoint_key_template", {}, ENV_CHECKPOINT_KEY_TEMPLATE)
    if template:
        try:
            return PerGroup(KeyTemplate.parse(template))
        except InvalidKeyTemplate as exc:
            raise ConfigError(f"checkpoint_key_template {template!r}: {exc}") from None
    if not key:
        return None
    if key.endswith("/"):
        raise ConfigError("checkpoint_key must name an object, not a folder")
    return SingleObject(key)


def _pick(payload: Mapping[str, Any], field: str, env: Mapping[str, str], var: str) -> str:
    value = payload.get(field)
    if value is None:
        value = env.get(var, "")
    if not isinstance(value, str):
        raise ConfigError(f"{field} must be a string")
    return value.strip()


def _flag(name: str, value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")


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
