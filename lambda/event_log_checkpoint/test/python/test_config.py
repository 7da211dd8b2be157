"""Run configuration: payload first, environment second, clear errors, no S3 call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpoint_lambda.config import CONFIG_ENV_VARS, ENV_FOR_FIELD, RunConfig, S3Settings
from checkpoint_lambda.domain.layout import SingleObject
from checkpoint_lambda.errors import ConfigError

ENV = {
    "SOURCE_BUCKET": "env-src",
    "SOURCE_PREFIX": "prod/",
    "CHECKPOINT_BUCKET": "env-ckpt",
    "CHECKPOINT_KEY": "c/e/x.parquet",
}


def test_payload_fields_win_over_the_environment() -> None:
    config = RunConfig.from_event({"source_bucket": "p-src", "prefix": "dev/"}, ENV)
    assert (config.source_bucket, config.source_prefix) == ("p-src", "dev/")
    assert (config.checkpoint_bucket, config.layout) == ("env-ckpt", SingleObject("c/e/x.parquet"))


def test_a_scheduled_event_runs_on_the_environment() -> None:
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}, "resources": ["arn"]}
    config = RunConfig.from_event(scheduled, ENV)
    assert config.source_bucket == "env-src"
    assert config.checkpoint_path == "s3://env-ckpt/c/e/x.parquet"


def test_missing_configuration_is_named() -> None:
    with pytest.raises(ConfigError, match="source_bucket, checkpoint_bucket, checkpoint_key"):
        RunConfig.from_event({}, {})


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "JSON object"),
        ({"bucket": "x"}, "unknown payload field"),
        ({"source_bucket": 3}, "must be a string"),
        ({"since": "last week"}, "since is not an ISO 8601"),
        ({"include_sandbox": "perhaps"}, "include_sandbox"),
        ({"checkpoint_key": "folder/"}, "must name an object"),
    ],
)
def test_bad_payloads_are_config_errors(event: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RunConfig.from_event(event, ENV)


def test_since_is_read_as_utc() -> None:
    config = RunConfig.from_event({"since": "2026-01-01T00:00:00-05:00"}, ENV)
    assert config.since == datetime(2026, 1, 1, 5, tzinfo=UTC)


def test_sandbox_is_excluded_unless_asked_for() -> None:
    assert not RunConfig.from_event({}, ENV).include_sandbox
    assert RunConfig.from_event({}, {**ENV, "INCLUDE_SANDBOX": "true"}).include_sandbox
    assert RunConfig.from_event({"include_sandbox": True}, ENV).include_sandbox


@pytest.mark.parametrize(
    ("checkpoint_key", "record_key"),
    [
        ("checkpoints/events/checkpoint.parquet", "checkpoints/events_failures/checkpoint.json"),
        ("events/checkpoint.parquet", "events_failures/checkpoint.json"),
        ("checkpoint.parquet", "checkpoint_failures.json"),
    ],
)
def test_failure_record_sits_outside_the_checkpoint_folder(checkpoint_key: str, record_key: str) -> None:
    config = RunConfig.from_event({"checkpoint_key": checkpoint_key}, ENV)
    assert config.failure_record_key == record_key
    folder = checkpoint_key.rpartition("/")[0]
    if folder:
        assert not config.failure_record_key.startswith(folder + "/")


bucket_names = st.from_regex(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", fullmatch=True)
object_keys = st.from_regex(r"[A-Za-z0-9_.-]{1,20}(/[A-Za-z0-9_.-]{1,20}){0,3}", fullmatch=True)


@given(bucket=bucket_names, key=object_keys)
def test_checkpoint_path_is_s3_bucket_key(bucket: str, key: str) -> None:
    config = RunConfig.from_event({"checkpoint_bucket": bucket, "checkpoint_key": key}, ENV)
    assert config.checkpoint_path == f"s3://{bucket}/{key}"


def test_s3_settings_come_from_the_standard_variables() -> None:
    settings = S3Settings.from_env({"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert settings.endpoint_url == "http://127.0.0.1:9"
    assert settings.region == "eu-west-1"
    with pytest.raises(ConfigError, match="FETCH_CONCURRENCY"):
        S3Settings.from_env({"FETCH_CONCURRENCY": "lots"})


@pytest.mark.parametrize("prefix", ["prod", "prod/logs", "a/b/c"])
def test_a_prefix_is_a_folder(prefix: str) -> None:
    with pytest.raises(ConfigError, match=f"use '{prefix}/'"):
        RunConfig.from_event({"prefix": prefix}, ENV)
    assert RunConfig.from_event({"prefix": prefix + "/"}, ENV).source_prefix == prefix + "/"
    assert RunConfig.from_event({"prefix": ""}, ENV).source_prefix == ""


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("SOURCE_PREFX", "SOURCE_PREFIX"),
        ("CHECKPOINT_BUKET", "CHECKPOINT_BUCKET"),
        ("CHECKPOINT_KEY_TEMPLTE", "CHECKPOINT_KEY_TEMPLATE"),
    ],
)
def test_a_lookalike_of_an_unset_variable_is_refused(name: str, meant: str) -> None:
    env = {k: v for k, v in ENV.items() if k != meant} | {name: "x"}
    with pytest.raises(ConfigError, match=f"{name} .* did you mean {meant}"):
        RunConfig.from_event({}, env)


def test_unrelated_and_platform_variables_are_left_alone() -> None:
    env = {**ENV, "AWS_LAMBDA_FUNCTION_NAME": "f", "PATH": "/bin", "POWERTOOLS_SERVICE_NAME": "s", "SOURCE": "x"}
    assert RunConfig.from_event({}, env).source_bucket == "env-src"


def test_a_key_holding_a_placeholder_is_not_taken_for_a_key() -> None:
    with pytest.raises(ConfigError, match="checkpoint_key_template"):
        RunConfig.from_event({"checkpoint_key": "c/{study}/{datatype}/e.parquet"}, ENV)


def test_the_payloads_location_replaces_the_environments_whole() -> None:
    env = {**ENV, "CHECKPOINT_KEY": "", "CHECKPOINT_KEY_TEMPLATE": "c/{study}/{datatype}/e.parquet"}
    config = RunConfig.from_event({"checkpoint_key": "one/e.parquet"}, env)
    assert config.layout == SingleObject("one/e.parquet")


@pytest.mark.parametrize(
    ("event", "env", "field"),
    [
        ({"restore_archived": "fast"}, {}, "restore_archived"),
        ({}, {"RESTORE_ARCHIVED": "glacier"}, "RESTORE_ARCHIVED"),
        ({}, {"INCLUDE_SANDBOX": "maybe"}, "INCLUDE_SANDBOX"),
        ({}, {"EVENT_INGESTION": "sometimes"}, "EVENT_INGESTION"),
        ({"retry_failures": "perhaps"}, {}, "retry_failures"),
    ],
)
def test_bad_values_name_the_field_or_variable(event: dict[str, str], env: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        RunConfig.from_event(event, {**ENV, **env})


def test_new_options_default_off_and_are_read() -> None:
    default = RunConfig.from_event({}, ENV)
    assert (default.retry_failures, default.restore_archived, default.event_ingestion) == (False, "off", False)
    on = RunConfig.from_event({"retry_failures": True, "restore_archived": "Bulk"}, {**ENV, "EVENT_INGESTION": "on"})
    assert (on.retry_failures, on.restore_archived, on.event_ingestion) == (True, "bulk", True)


def test_every_variable_standing_in_for_a_payload_field_is_read() -> None:
    assert set(ENV_FOR_FIELD.values()) <= set(CONFIG_ENV_VARS)
