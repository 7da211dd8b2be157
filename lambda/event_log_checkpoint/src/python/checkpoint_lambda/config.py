"""Configuration of one run, from the invocation payload with the environment as fallback.

Everything the code reads from the environment is named here, once. The payload is a
Pydantic model (`RunRequest`, unknown fields refused); the environment fills what the
payload leaves out, through the same model, so both are held to the same rules. Every
mistake is a `ConfigError` (400) before any S3 call.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from checkpoint_lambda.domain.key_template import InvalidKeyTemplate, KeyTemplate
from checkpoint_lambda.domain.layout import Layout, PerGroup, SingleObject
from checkpoint_lambda.errors import ConfigError

ENV_SOURCE_BUCKET = "SOURCE_BUCKET"
ENV_SOURCE_PREFIX = "SOURCE_PREFIX"
ENV_CHECKPOINT_BUCKET = "CHECKPOINT_BUCKET"
ENV_CHECKPOINT_KEY = "CHECKPOINT_KEY"
ENV_CHECKPOINT_KEY_TEMPLATE = "CHECKPOINT_KEY_TEMPLATE"
ENV_INCLUDE_SANDBOX = "INCLUDE_SANDBOX"
ENV_RESTORE_ARCHIVED = "RESTORE_ARCHIVED"
ENV_EVENT_INGESTION = "EVENT_INGESTION"
ENV_FETCH_CONCURRENCY = "FETCH_CONCURRENCY"
ENV_LIST_CONCURRENCY = "LIST_CONCURRENCY"
ENV_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL"
ENV_REGION = "AWS_REGION"
ENV_DEFAULT_REGION = "AWS_DEFAULT_REGION"

#: The payload field each run setting of the environment stands in for.
ENV_FOR_FIELD: dict[str, str] = {
    "source_bucket": ENV_SOURCE_BUCKET,
    "prefix": ENV_SOURCE_PREFIX,
    "checkpoint_bucket": ENV_CHECKPOINT_BUCKET,
    "checkpoint_key": ENV_CHECKPOINT_KEY,
    "checkpoint_key_template": ENV_CHECKPOINT_KEY_TEMPLATE,
    "include_sandbox": ENV_INCLUDE_SANDBOX,
    "restore_archived": ENV_RESTORE_ARCHIVED,
}

#: Every environment variable the run's configuration reads (Powertools reads its own POWERTOOLS_*;
#: the service name, also used for the metrics' `service` dimension, is read by `service_name`).
CONFIG_ENV_VARS: tuple[str, ...] = (
    ENV_SOURCE_BUCKET,
    ENV_SOURCE_PREFIX,
    ENV_CHECKPOINT_BUCKET,
    ENV_CHECKPOINT_KEY,
    ENV_CHECKPOINT_KEY_TEMPLATE,
    ENV_INCLUDE_SANDBOX,
    ENV_RESTORE_ARCHIVED,
    ENV_EVENT_INGESTION,
    ENV_FETCH_CONCURRENCY,
    ENV_LIST_CONCURRENCY,
    ENV_ENDPOINT_URL,
    ENV_REGION,
    ENV_DEFAULT_REGION,
)
#: How alike a variable's name must be to one of ours to be taken for a misspelling of it.
LOOKALIKE_CUTOFF = 0.85
DEFAULT_FETCH_CONCURRENCY = 64
MAX_FETCH_CONCURRENCY = 512
DEFAULT_LIST_CONCURRENCY = 8
MAX_LIST_CONCURRENCY = 64
DEFAULT_SERVICE_NAME = "event-log-checkpoint"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
_SCHEDULED_SOURCES = frozenset({"aws.events", "aws.scheduler"})

RestoreTier = Literal["off", "bulk", "standard"]


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


class RunRequest(BaseModel):
    """What a run may be told, by a payload or (field by field) by the environment."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    source_bucket: str | None = None
    prefix: str | None = None
    checkpoint_bucket: str | None = None
    checkpoint_key: str | None = None
    checkpoint_key_template: str | None = None
    since: datetime | None = None
    include_sandbox: bool | None = None
    dry_run: bool = False
    retry_failures: bool = False
    restore_archived: RestoreTier | None = None

    @field_validator("include_sandbox", "dry_run", "retry_failures", mode="before")
    @classmethod
    def _flag(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() not in _TRUE | _FALSE:
            raise ValueError(f"must be true or false, got {value!r}")
        return value.strip().lower() in _TRUE if isinstance(value, str) else value

    @field_validator("restore_archived", mode="before")
    @classmethod
    def _tier(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("since", mode="before")
    @classmethod
    def _since(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date-time string")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"since is not an ISO 8601 date-time: {value!r}") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    @field_validator("prefix")
    @classmethod
    def _folder(cls, value: str | None) -> str | None:
        # A prefix is a folder: `prod` would also list `prod5k/` and ingest a sibling folder.
        if value and not value.endswith("/"):
            raise ValueError(f"{value!r} is not a folder and would also match its siblings: use {value + '/'!r}")
        return value

    @field_validator("checkpoint_key")
    @classmethod
    def _one_object(cls, value: str | None) -> str | None:
        if value and ("{" in value or "}" in value):
            raise ValueError(
                f"{value!r} holds a placeholder: a key with {{study}}/{{datatype}} is a "
                f"checkpoint_key_template ({ENV_CHECKPOINT_KEY_TEMPLATE}, --checkpoint-key-template)"
            )
        if value and value.endswith("/"):
            raise ValueError("must name an object, not a folder")
        return value

    @model_validator(mode="after")
    def _one_location(self) -> RunRequest:
        if self.checkpoint_key and self.checkpoint_key_template:
            raise ValueError("give checkpoint_key or checkpoint_key_template, not both")
        return self

    def names_location(self) -> bool:
        return bool(self.checkpoint_key or self.checkpoint_key_template)


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
    retry_failures: bool = False
    restore_archived: RestoreTier = "off"
    event_ingestion: bool = False

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
        payload: Mapping[str, Any] = {} if event.get("source") in _SCHEDULED_SOURCES else event
        refuse_lookalikes(env)
        given = _validated(payload, "payload")
        request = merged(given, _validated(_from_env(env), "environment"))
        return cls.of(request, event_ingestion=_env_flag(env, ENV_EVENT_INGESTION))

    @classmethod
    def of(cls, request: RunRequest, *, event_ingestion: bool = False) -> RunConfig:
        """The run a complete request describes; names what is missing."""
        layout = _layout(request)
        missing = [name for name in ("source_bucket", "checkpoint_bucket") if not getattr(request, name)]
        if layout is None:
            missing.append("checkpoint_key or checkpoint_key_template")
        if missing or layout is None:
            raise ConfigError(f"missing configuration: {', '.join(missing)} (payload field or environment variable)")
        return cls(
            source_bucket=request.source_bucket or "",
            source_prefix=request.prefix or "",
            checkpoint_bucket=request.checkpoint_bucket or "",
            layout=layout,
            include_sandbox=bool(request.include_sandbox),
            since=request.since,
            dry_run=request.dry_run,
            retry_failures=request.retry_failures,
            restore_archived=request.restore_archived or "off",
            event_ingestion=event_ingestion,
        )


def merged(payload: RunRequest, environment: RunRequest) -> RunRequest:
    """The environment's values under the payload's; a payload naming a location names all of it."""
    update = payload.model_dump(exclude_unset=True)
    if payload.names_location():
        update.setdefault("checkpoint_key", None)
        update.setdefault("checkpoint_key_template", None)
    return environment.model_copy(update=update)


def refuse_lookalikes(env: Mapping[str, str]) -> None:
    """A misspelt variable (`SOURCE_PREFX`) whose real one is unset would silently widen the run: refuse it."""
    ours = set(CONFIG_ENV_VARS)
    for name in env:
        if name in ours or name.startswith(("AWS_", "POWERTOOLS_", "_")):
            continue
        close = difflib.get_close_matches(name, ours, n=1, cutoff=LOOKALIKE_CUTOFF)
        if close and close[0] not in env:
            raise ConfigError(f"environment variable {name} is not one this function reads: did you mean {close[0]}?")


def _from_env(env: Mapping[str, str]) -> dict[str, str]:
    return {field: env[var] for field, var in ENV_FOR_FIELD.items() if env.get(var, "").strip()}


def _env_flag(env: Mapping[str, str], var: str) -> bool:
    value = env.get(var, "").strip().lower()
    if value not in _TRUE | _FALSE:
        raise ConfigError(f"{var} must be on or off, got {env[var]!r}")
    return value in _TRUE


def _validated(values: Mapping[str, Any], source: str) -> RunRequest:
    try:
        return RunRequest.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, source)) from None


def _problems(exc: ValidationError, source: str) -> str:
    unknown = [str(e["loc"][0]) for e in exc.errors() if e["type"] == "extra_forbidden"]
    messages = [f"unknown {source} field(s): {', '.join(sorted(unknown))}"] if unknown else []
    for error in exc.errors():
        if error["type"] == "extra_forbidden":
            continue
        field = ".".join(str(part) for part in error["loc"])
        text = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "string_type":
            text = "must be a string"
        elif error["type"] == "literal_error":
            text = f"must be one of off, bulk, standard, got {error['input']!r}"
        name = ENV_FOR_FIELD.get(field, field) if source == "environment" else field
        messages.append(f"{name}: {text}" if name else text)
    return "; ".join(messages)


def _layout(request: RunRequest) -> Layout | None:
    if request.checkpoint_key_template:
        try:
            return PerGroup(KeyTemplate.parse(request.checkpoint_key_template))
        except InvalidKeyTemplate as exc:
            raise ConfigError(f"checkpoint_key_template {request.checkpoint_key_template!r}: {exc}") from None
    return SingleObject(request.checkpoint_key) if request.checkpoint_key else None
