"""The Terraform is wired to the code: handler, environment, artifacts, aliases, IAM, schedule, alarms, table.

These tests read the parsed HCL, compare it with the Lambda package's own source (read, not
imported), and evaluate the locals with `terraform console`. bin/check-terraform also runs the
real `terraform validate` and `plan` for every environment.
"""

from __future__ import annotations

import ast
import os
from typing import Any

import pytest

from hcl_module import (
    MODULE_DIR,
    REPO_ROOT,
    Config,
    Console,
    module_constants,
    module_path,
    package_module_defining,
    string_tuple,
)

HANDLER = "checkpoint_lambda.entrypoints.lambda_function.lambda_handler"
ARTIFACTS = {
    "function": "dist/checkpoint_lambda.zip",
    "powertools": "dist/powertools_layer.zip",
    "data_processing": "dist/data_processing_layer.zip",
}
# Every name the function reads from its environment, besides Powertools' own POWERTOOLS_*.
READ_BY_FUNCTION = {
    "SOURCE_BUCKET",
    "SOURCE_PREFIX",
    "CHECKPOINT_BUCKET",
    "CHECKPOINT_KEY",
    "CHECKPOINT_KEY_TEMPLATE",
    "INCLUDE_SANDBOX",
    "FETCH_CONCURRENCY",
    "LIST_CONCURRENCY",
    "EVENT_INGESTION",
    "RESTORE_ARCHIVED",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
}
# Names Terraform must not set: Lambda sets the region itself; the endpoint is for local runs.
NOT_FROM_TERRAFORM = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"}
# Exactly one of the two checkpoint names, by layout.
LAYOUT_NAMES = {"CHECKPOINT_KEY", "CHECKPOINT_KEY_TEMPLATE"}
SOURCE_BUCKET_ARN = "arn:aws:s3:::${var.source_bucket}"
POLARS_TO_GLUE = {"String": "string", "Int64": "bigint", "Date": "date", "Datetime": "timestamp"}


def _function(tf: Config) -> dict[str, Any]:
    return tf.resource("aws_lambda_function", "this")


def _statements(tf: Config, document: str) -> dict[str, dict[str, Any]]:
    statements = tf.data("aws_iam_policy_document", document)["statement"]
    assert all("sid" in s for s in statements), "every statement has a sid, so tests and readers can name it"
    return {s["sid"]: s for s in statements}


def _dynamic_statements(tf: Config, document: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """The policy's statements that exist only when a setting is on: sid -> (for_each, content)."""
    found = {}
    for block in tf.data("aws_iam_policy_document", document).get("dynamic", []):
        if "statement" in block:
            (content,) = block["statement"]["content"]
            found[content["sid"]] = (block["statement"]["for_each"], content)
    return found


def _alarms(console: Console, **variables: str | None) -> dict[str, dict[str, Any]]:
    """local.alarms, the for_each of the one alarm resource, as planned for prod (and the overrides)."""
    (alarms,) = console("local.alarms", **variables).values
    return dict(alarms)


def _alarm_on(alarms: dict[str, dict[str, Any]], metric: str) -> dict[str, Any]:
    found = [alarm for alarm in alarms.values() if alarm["metric_name"] == metric]
    assert len(found) == 1, f"expected one alarm on {metric}, found {len(found)}"
    return found[0]


# --- the function --------------------------------------------------------------------------------


def test_runtime_and_handler_match_the_package(tf: Config) -> None:
    function = _function(tf)
    assert tf.resolve(function["runtime"]) == "python3.12"
    assert tf.resolve(function["handler"]) == HANDLER
    module, _, function_name = HANDLER.rpartition(".")
    source = module_path(module)
    assert source.is_file(), f"the handler's module {module} is not in the package"
    defined = {
        node.name for node in ast.parse(source.read_text(encoding="utf-8")).body if isinstance(node, ast.FunctionDef)
    }
    assert function_name in defined, f"{source} defines no {function_name}"


def test_memory_timeout_defaults_and_active_tracing(tf: Config) -> None:
    function = _function(tf)
    assert function["memory_size"] == "${var.memory_size}"
    assert function["timeout"] == "${var.timeout}"
    assert tf.variables["memory_size"]["default"] == 3008
    assert tf.variables["timeout"]["default"] == 900
    assert function["tracing_config"] == [{"mode": "Active"}]


def test_architecture_is_one_variable_for_the_function_and_its_layers(tf: Config, console: Console) -> None:
    assert _function(tf)["architectures"] == ["${var.architecture}"]
    assert tf.resource("aws_lambda_layer_version", "built")["compatible_architectures"] == ["${var.architecture}"]
    assert tf.variables["architecture"]["default"] == "x86_64"
    assert console("var.architecture", architecture="arm64").values == ["arm64"]
    refused = console("var.architecture", architecture="aarch64")
    assert refused.invalid_variables
    assert "architecture must be x86_64 or arm64" in refused.errors


def test_environment_names_are_the_ones_the_function_reads(tf: Config) -> None:
    """In both layouts: every name is read by the code, and every name it reads (but the region and
    the local endpoint) is set; the layouts differ only in CHECKPOINT_KEY vs CHECKPOINT_KEY_TEMPLATE."""
    assert _function(tf)["environment"][0]["variables"] == "${local.lambda_environment}"
    expression = tf.locals["lambda_environment"]
    settable = READ_BY_FUNCTION - NOT_FROM_TERRAFORM
    for name in settable - LAYOUT_NAMES | {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"}:
        assert f"{name} = " in expression, f"{name} is not set"
    assert "CHECKPOINT_KEY_TEMPLATE = var.checkpoint_key_template" in expression
    assert "CHECKPOINT_KEY = var.checkpoint_key" in expression
    # The names the package itself lists as the ones it reads.
    code_reads = set(string_tuple(package_module_defining("CONFIG_ENV_VARS"), "CONFIG_ENV_VARS"))
    assert code_reads == READ_BY_FUNCTION


@pytest.mark.parametrize("layout", ["template", "single_key"])
def test_environment_values_per_layout(console: Console, layout: str) -> None:
    single = layout == "single_key"
    kwargs: dict[str, str | None] = (
        {"checkpoint_key": "a/events/checkpoint.parquet", "checkpoint_key_template": None} if single else {}
    )
    (environment,) = console("local.lambda_environment", **kwargs).values
    names = set(environment)
    powertools = {name for name in names if name.startswith("POWERTOOLS_")}
    assert names - powertools == READ_BY_FUNCTION - NOT_FROM_TERRAFORM - {
        "CHECKPOINT_KEY_TEMPLATE" if single else "CHECKPOINT_KEY"
    }
    assert environment["POWERTOOLS_SERVICE_NAME"] == "event-log-checkpoint-prod"
    assert environment["SOURCE_PREFIX"] == "prod/"
    assert environment["LIST_CONCURRENCY"] == "8"
    assert environment["EVENT_INGESTION"] == "off"
    assert environment["RESTORE_ARCHIVED"] == "off"
    if single:
        assert environment["CHECKPOINT_KEY"] == "a/events/checkpoint.parquet"
    else:
        assert environment["CHECKPOINT_KEY_TEMPLATE"] == "prod/checkpoints/{study}/{datatype}/events.parquet"


def test_code_and_layers_come_from_bin_package_outputs(tf: Config) -> None:
    artifacts = tf.locals["artifacts"]
    resolved = {
        name: os.path.relpath(os.path.normpath(path.replace("${path.module}", str(MODULE_DIR))), REPO_ROOT)
        for name, path in artifacts.items()
    }
    assert resolved == ARTIFACTS
    function = _function(tf)
    assert function["source_code_hash"] == "${filebase64sha256(local.artifacts.function)}"
    assert function["s3_key"] == '${aws_s3_object.artifact["function"].key}'
    assert function["publish"] is True
    assert function["layers"] == "${local.layer_arns}"
    assert "powertools" in tf.locals["layer_arns"].split("data_processing")[0], "Powertools first on sys.path"
    layer = tf.resource("aws_lambda_layer_version", "built")
    assert layer["source_code_hash"] == "${filebase64sha256(each.value)}"
    assert [tf.resolve(runtime) for runtime in layer["compatible_runtimes"]] == ["python3.12"]


def test_artifacts_of_each_environment_have_their_own_keys(console: Console) -> None:
    keys = {env: console("local.artifact_keys", environment=env).values[0] for env in ("dev", "prod")}
    assert keys["prod"]["function"] == "lambda-artifacts/event-log-checkpoint-prod/checkpoint_lambda.zip"
    assert keys["dev"]["data_processing"] == "lambda-artifacts/event-log-checkpoint-dev/data_processing_layer.zip"


def test_release_comes_from_the_packages_version(tf: Config, console: Console) -> None:
    constants = module_constants("checkpoint_lambda.version")
    version = ast.literal_eval(constants["VERSION"])
    assert console("local.release").values == [version]
    function = _function(tf)
    assert function["description"] == "${local.function_description}"
    assert function["tags"] == {"Release": "${local.release}"}
    (description,) = console("local.function_description").values
    assert description.startswith(f"Release {version} (prod): ")
    assert len(description) <= 256, "Lambda's limit"
    long_bucket = "b" * 63
    (capped,) = console(
        "local.function_description", source_bucket=long_bucket, checkpoint_bucket=long_bucket, source_prefix="p" * 90
    ).values
    assert len(capped) == 256, "cut at Lambda's limit"
    assert "${local.release}" in tf.resource("aws_lambda_alias", "candidate")["description"]


def test_built_layers_are_the_ones_not_given_as_arns(console: Console) -> None:
    none_given, both_given = (
        console("local.layer_arn_inputs", "keys(local.built_layers)", "keys(local.uploaded_artifacts)"),
        console(
            "keys(local.built_layers)",
            "keys(local.uploaded_artifacts)",
            powertools_layer_arn="arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:18",
            data_processing_layer_arn="arn:aws:lambda:us-east-1:123456789012:layer:data-processing:3",
        ),
    )
    assert none_given.values == [
        {"powertools": None, "data_processing": None},
        ["data_processing", "powertools"],
        ["data_processing", "function", "powertools"],
    ]
    assert both_given.values == [[], ["function"]]


# --- aliases: staged promotion -------------------------------------------------------------------


def test_candidate_follows_every_publish_and_live_is_left_to_bin_promote(tf: Config) -> None:
    candidate = tf.resource("aws_lambda_alias", "candidate")
    assert candidate["name"] == "candidate"
    assert candidate["function_version"] == "${aws_lambda_function.this.version}"
    assert "lifecycle" not in candidate, "every apply moves candidate"
    live = tf.resource("aws_lambda_alias", "live")
    assert live["name"] == "live"
    # Created at the first version; after that Terraform never moves it (nor undoes bin/promote).
    (lifecycle,) = live["lifecycle"]
    assert {"function_version", "description"} <= set(lifecycle["ignore_changes"])


def test_bin_promote_names_the_same_aliases_and_function() -> None:
    script = (REPO_ROOT / "bin" / "promote").read_text(encoding="utf-8")
    assert "--name candidate" in script or 'CANDIDATE_ALIAS="candidate"' in script
    assert 'LIVE_ALIAS="live"' in script
    assert "event-log-checkpoint-$ENVIRONMENT" in script


# --- IAM -----------------------------------------------------------------------------------------


def test_no_delete_and_no_wildcard_actions(tf: Config) -> None:
    for path in MODULE_DIR.glob("*.tf"):
        text = path.read_text(encoding="utf-8")
        assert "s3:Delete" not in text, f"{path.name} grants a delete"
        assert '"s3:*"' not in text, f"{path.name} grants every S3 action"
    for document in ("lambda", "scheduler"):
        statements = _statements(tf, document) | {
            sid: content for sid, (_, content) in _dynamic_statements(tf, document).items()
        }
        for sid, statement in statements.items():
            for action in statement["actions"]:
                assert not action.startswith("s3:Delete"), f"{document}.{sid} may delete: {action}"
                assert "*" not in action, f"{document}.{sid} has a wildcard action: {action}"


def test_listing_the_source_is_limited_to_its_prefix(tf: Config) -> None:
    statement = _statements(tf, "lambda")["ListSourcePrefix"]
    assert statement["actions"] == ["s3:ListBucket"]
    assert statement["resources"] == [SOURCE_BUCKET_ARN]
    condition = statement["dynamic"][0]["condition"]
    assert "var.source_prefix" in condition["for_each"]
    assert condition["content"] == [{"test": "StringLike", "variable": "s3:prefix", "values": ["${condition.value}*"]}]


def test_source_objects_are_read_only_under_the_prefix(tf: Config) -> None:
    statement = _statements(tf, "lambda")["ReadSourceObjects"]
    assert statement["actions"] == ["s3:GetObject"]
    assert statement["resources"] == [f"{SOURCE_BUCKET_ARN}/${{var.source_prefix}}*"]


def test_checkpoint_and_failure_record_are_the_only_writable_objects(tf: Config) -> None:
    statements = _statements(tf, "lambda")
    assert sorted(statements["ReadWriteCheckpoint"]["actions"]) == ["s3:GetObject", "s3:PutObject"]
    checkpoint_arns = statements["ReadWriteCheckpoint"]["resources"]
    assert "local.checkpoint_object_keys" in checkpoint_arns
    assert "arn:aws:s3:::${var.checkpoint_bucket}/${key}" in checkpoint_arns
    writers = {sid for sid, s in statements.items() if any(a.startswith("s3:Put") for a in s["actions"])}
    assert writers == {"ReadWriteCheckpoint"}
    readers = {sid for sid, s in statements.items() if "s3:GetObject" in s["actions"]}
    assert readers == {"ReadSourceObjects", "ReadWriteCheckpoint"}


def test_restore_only_when_restore_archived_is_on_and_only_the_source_logs_objects(
    tf: Config, console: Console
) -> None:
    for_each, statement = _dynamic_statements(tf, "lambda")["RestoreArchivedSourceObjects"]
    assert for_each == '${var.restore_archived == "off" ? [] : [var.restore_archived]}'
    assert statement["actions"] == ["s3:RestoreObject"]
    assert statement["resources"] == [f"{SOURCE_BUCKET_ARN}/${{var.source_prefix}}*"]
    assert tf.variables["restore_archived"]["default"] == "off"
    (environment,) = console("local.lambda_environment", restore_archived="bulk").values
    assert environment["RESTORE_ARCHIVED"] == "bulk"
    refused = console("local.lambda_environment", restore_archived="expedited")
    assert refused.invalid_variables
    assert "restore_archived must be off, bulk or standard" in refused.errors


def test_event_queue_is_received_only_when_the_event_path_is_on(tf: Config) -> None:
    for_each, statement = _dynamic_statements(tf, "lambda")["ReceiveEvents"]
    assert for_each == "${aws_sqs_queue.events[*].arn}", "one statement per event queue: none when off"
    assert sorted(statement["actions"]) == ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
    assert statement["resources"] == ["${statement.value}"]


def test_only_xray_takes_every_resource(tf: Config) -> None:
    for document in ("lambda", "scheduler"):
        for sid, statement in _statements(tf, document).items():
            if "*" in statement["resources"]:
                assert all(action.startswith("xray:") for action in statement["actions"]), f"{document}.{sid}"


def test_scheduler_may_invoke_only_the_live_alias(tf: Config) -> None:
    statements = _statements(tf, "scheduler")
    invokers = {sid: s["resources"] for sid, s in statements.items() if "lambda:InvokeFunction" in s["actions"]}
    assert invokers == {"InvokeLiveAlias": ["${aws_lambda_alias.live.arn}"]}


# --- schedule, logs, alarms ----------------------------------------------------------------------


def test_schedule_targets_the_live_alias_with_retries_and_an_encrypted_dead_letter_queue(tf: Config) -> None:
    schedule = tf.resource("aws_scheduler_schedule", "run")
    assert schedule["schedule_expression"] == "${local.schedule_expression}"
    target = schedule["target"][0]
    assert target["arn"] == "${aws_lambda_alias.live.arn}"
    assert target["role_arn"] == "${aws_iam_role.scheduler.arn}"
    assert target["retry_policy"][0]["maximum_retry_attempts"] == "${var.schedule_retry_attempts}"
    assert target["dead_letter_config"] == [{"arn": "${aws_sqs_queue.dead_letters.arn}"}]
    assert tf.resource("aws_sqs_queue", "dead_letters")["sqs_managed_sse_enabled"] is True


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"schedule_expression": None}, "rate(1 hour)"),
        ({"schedule_expression": None, "event_ingestion": "true"}, "rate(1 day)"),
        ({"schedule_expression": "cron(0 3 * * ? *)", "event_ingestion": "true"}, "cron(0 3 * * ? *)"),
    ],
)
def test_schedule_is_hourly_or_with_the_event_path_a_daily_backstop_unless_set(
    console: Console, variables: dict[str, str | None], expected: str
) -> None:
    assert console("local.schedule_expression", **variables).values == [expected]


def test_scheduled_input_is_a_scheduler_event_the_config_recognises(tf: Config) -> None:
    target = tf.resource("aws_scheduler_schedule", "run")["target"][0]
    assert target["input"] == '${jsonencode({source = "aws.scheduler"})}'
    config_source = module_path(package_module_defining("CONFIG_ENV_VARS")).read_text(encoding="utf-8")
    assert '"aws.scheduler"' in config_source, "the config reads a scheduler event as 'run on the environment'"


def test_log_group_keeps_30_days_and_is_the_functions(tf: Config) -> None:
    group = tf.resource("aws_cloudwatch_log_group", "lambda")
    assert group["retention_in_days"] == "${var.log_retention_days}"
    assert tf.variables["log_retention_days"]["default"] == 30
    assert group["name"] == "/aws/lambda/${local.name}"
    assert _function(tf)["function_name"] == "${local.name}"
    assert _function(tf)["logging_config"][0]["log_group"] == "${aws_cloudwatch_log_group.lambda.name}"


def test_one_alarm_resource_over_the_alarm_map(tf: Config) -> None:
    alarms = tf.resources_of("aws_cloudwatch_metric_alarm")
    assert list(alarms) == ["this"], "every alarm comes from local.alarms"
    alarm = alarms["this"]
    assert alarm["for_each"] == "${local.alarms}"
    assert alarm["alarm_name"] == '${local.name}-${replace(each.key, "_", "-")}'
    assert alarm["alarm_actions"] == alarm["ok_actions"] == ["${var.alarm_sns_topic_arn}"]
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    for field in ("namespace", "metric_name", "dimensions", "statistic", "threshold"):
        assert alarm[field] == f"${{each.value.{field}}}", field


def test_alarms_watch_errors_run_failed_duration_events_failed_and_dead_letters(tf: Config, console: Console) -> None:
    namespace = ast.literal_eval(module_constants(package_module_defining("METRICS_NAMESPACE"))["METRICS_NAMESPACE"])
    alarms = _alarms(console)
    assert set(alarms) == {"errors", "run_failed", "duration", "events_failed", "dead_letters"}
    for metric in ("Errors", "Duration"):
        alarm = _alarm_on(alarms, metric)
        assert (alarm["namespace"], alarm["dimensions"]) == (
            "AWS/Lambda",
            {"FunctionName": "event-log-checkpoint-prod"},
        )
    assert _function(tf)["function_name"] == "${local.name}", "the function the dimension names"
    for metric in ("RunFailed", "EventsFailed"):
        alarm = _alarm_on(alarms, metric)
        assert alarm["namespace"] == namespace
        # The dimension the function emits: its POWERTOOLS_SERVICE_NAME.
        assert alarm["dimensions"] == {"service": "event-log-checkpoint-prod"}
    assert "POWERTOOLS_SERVICE_NAME = local.service_name" in tf.locals["lambda_environment"]
    assert _alarm_on(alarms, "ApproximateNumberOfMessagesVisible")["dimensions"] == {
        "QueueName": "event-log-checkpoint-prod-dead-letters"
    }
    assert tf.resource("aws_sqs_queue", "dead_letters")["name"] == "${local.dead_letter_queue_name}"
    assert _alarm_on(alarms, "Errors")["threshold"] == 0
    assert _alarm_on(alarms, "RunFailed")["threshold"] == 0
    assert _alarm_on(alarms, "Duration")["threshold"] == 720000, "80 % of the 900 s timeout, in ms"
    assert _alarm_on(_alarms(console, events_failed_alarm_threshold="7"), "EventsFailed")["threshold"] == 7


def test_event_path_adds_queue_age_dead_letter_and_missed_files_alarms(tf: Config, console: Console) -> None:
    alarms = _alarms(console, event_ingestion="true", event_queue_age_alarm_seconds="900")
    assert set(alarms) - set(_alarms(console)) == {"event_queue_age", "event_dead_letters", "files_missed_by_events"}
    assert alarms["event_queue_age"]["metric_name"] == "ApproximateAgeOfOldestMessage"
    assert alarms["event_queue_age"]["dimensions"] == {"QueueName": "event-log-checkpoint-prod-events"}
    assert alarms["event_queue_age"]["threshold"] == 900
    assert alarms["event_dead_letters"]["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert alarms["event_dead_letters"]["dimensions"] == {"QueueName": "event-log-checkpoint-prod-events-dead-letters"}
    assert alarms["event_dead_letters"]["threshold"] == 0
    missed = alarms["files_missed_by_events"]
    assert (missed["metric_name"], missed["namespace"], missed["statistic"]) == (
        "FilesMissedByEvents",
        "EventLogCheckpoint",
        "Sum",
    )
    assert missed["dimensions"] == {"service": "event-log-checkpoint-prod"}
    assert missed["threshold"] == 0
    assert tf.resource("aws_sqs_queue", "events")["name"] == "${local.event_queue_name}"
    assert tf.resource("aws_sqs_queue", "event_dead_letters")["name"] == "${local.event_dead_letter_queue_name}"


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_each_environment_alarms_on_its_own_service(console: Console, environment: str) -> None:
    service, variables = console("local.service_name", "local.lambda_environment", environment=environment).values
    assert service == f"event-log-checkpoint-{environment}"
    assert variables["POWERTOOLS_SERVICE_NAME"] == service


def test_service_name_is_not_hard_coded_in_the_package() -> None:
    """Powertools' service is whatever POWERTOOLS_SERVICE_NAME says; nothing passes a fixed one."""
    observability = module_path(package_module_defining("metrics")).read_text(encoding="utf-8")
    assert 'service="event-log-checkpoint"' not in observability.replace(" ", "")


def test_metric_names_alarmed_on_are_emitted_by_the_package(console: Console) -> None:
    strings = set()
    for path in (MODULE_DIR / "src" / "python" / "checkpoint_lambda").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        strings |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    alarmed = {
        alarm["metric_name"]
        for alarm in _alarms(console, event_ingestion="true").values()
        if alarm["namespace"] == "EventLogCheckpoint"
    }
    assert alarmed == {"RunFailed", "EventsFailed", "FilesMissedByEvents"}
    assert alarmed <= strings


def test_duration_alarm_fires_at_80_percent_of_the_timeout(console: Console) -> None:
    assert console("local.duration_alarm_threshold_ms").values == [720000]
    assert console("local.duration_alarm_threshold_ms", timeout="300").values == [240000]


# --- Athena --------------------------------------------------------------------------------------


def _schema_types(parts: tuple[str, ...] = ("EVENT_COLUMNS", "SOURCE_COLUMNS")) -> dict[str, str]:
    """CHECKPOINT_SCHEMA's columns and Glue types, read from the schema's source (no polars here)."""
    constants = module_constants(package_module_defining("CHECKPOINT_SCHEMA"))

    def glue_type(expr: ast.expr) -> str:
        if isinstance(expr, ast.Name):
            return glue_type(constants[expr.id])
        assert isinstance(expr, ast.Call), ast.dump(expr)
        assert isinstance(expr.func, ast.Attribute), ast.dump(expr)
        return POLARS_TO_GLUE[expr.func.attr]

    columns: dict[str, str] = {}
    for part in parts:
        table = constants[part]
        assert isinstance(table, ast.Dict)
        for key, value in zip(table.keys, table.values, strict=True):
            assert isinstance(key, ast.Constant)
            assert isinstance(key.value, str)
            columns[key.value] = glue_type(value)
    return columns


def test_glue_columns_are_the_checkpoint_schema(console: Console) -> None:
    (columns,) = console("local.checkpoint_columns").values
    assert [(column["name"], column["type"]) for column in columns] == list(_schema_types().items())


def test_the_tables_columns_add_the_optional_ones_and_the_view_keeps_the_checkpoints(console: Console) -> None:
    (columns,) = console("local.table_columns").values
    expected = {**_schema_types(), **_schema_types(("OPTIONAL_COLUMNS",))}
    assert [(column["name"], column["type"]) for column in columns] == list(expected.items())


def test_glue_table_columns_come_from_the_locals(tf: Config) -> None:
    table = tf.resource("aws_glue_catalog_table", "visit_events")
    descriptor = table["storage_descriptor"][0]
    assert descriptor["dynamic"][0]["columns"]["for_each"] == "${local.table_columns}"
    assert "dynamic" not in table, "no partition keys: every column is a data column"
    assert table["parameters"] == "${local.table_parameters}"
    assert "ParquetHiveSerDe" in descriptor["ser_de_info"][0]["serialization_library"]
    assert descriptor["location"] == "${local.checkpoint_table_location}"


def test_athena_workgroup_writes_results_to_the_variable(tf: Config) -> None:
    configuration = tf.resource("aws_athena_workgroup", "this")["configuration"][0]
    assert configuration["result_configuration"][0]["output_location"] == "${var.athena_results_location}"
    assert configuration["enforce_workgroup_configuration"] is True


# --- house style ---------------------------------------------------------------------------------


def test_every_variable_and_output_is_typed_and_described(tf: Config) -> None:
    for module in (tf, Config.load(MODULE_DIR / "state_bucket")):
        for name, variable in module.variables.items():
            assert variable.get("type"), f"variable {name} has no type"
            assert variable.get("description"), f"variable {name} has no description"
        for name, output in module.outputs.items():
            assert output.get("description"), f"output {name} has no description"


def test_terraform_and_aws_provider_are_pinned_and_state_is_remote(tf: Config) -> None:
    (settings,) = tf.blocks["terraform"]
    assert settings["required_version"] == ">= 1.10", "S3-native state locking (use_lockfile)"
    aws = settings["required_providers"][0]["aws"]
    assert aws["source"] == "hashicorp/aws"
    assert aws["version"].startswith("~>")
    (backend,) = settings["backend"]
    assert backend["s3"]["use_lockfile"] is True
    # bucket, key and region come from backend/<env>.s3.tfbackend
    assert set(backend["s3"]) == {"use_lockfile", "encrypt"}


def test_provider_tags_name_the_service_and_environment(tf: Config) -> None:
    (provider,) = tf.blocks["provider"]
    tags = provider["aws"]["default_tags"][0]["tags"]
    assert "Service = local.base_name" in tags
    assert "Environment = var.environment" in tags


@pytest.mark.parametrize("variable", ["source_bucket", "checkpoint_bucket", "artifact_bucket"])
def test_bucket_names_share_one_rule(tf: Config, console: Console, variable: str) -> None:
    (validation,) = tf.variables[variable]["validation"]
    assert validation["condition"] == f"${{can(regex(local.bucket_name_pattern, var.{variable}))}}"
    for bad in ("Upper-Case", "ab", "-leading-dash", "a" * 64):
        refused = console("local.name", **{variable: bad})
        assert refused.invalid_variables, bad
        assert f"{variable} must be an S3 bucket name" in refused.errors
    assert not console("local.name", **{variable: "a.b-c1"}).invalid_variables
