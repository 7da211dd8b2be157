"""The Terraform is wired to the code: handler, environment, artifacts, IAM scope, schedule, alarms, table.

Terraform's providers cannot be downloaded here, so nothing is planned: these tests read the
parsed HCL, compare it with the Lambda package's own constants, and evaluate the locals (the
failure-record rule, the table location) with `terraform console`.
"""

from __future__ import annotations

import ast
import os
from typing import Any

import pytest
from hcl_module import MODULE_DIR, REPO_ROOT, Config, Console, module_constants

from checkpoint_lambda.config import CONFIG_ENV_VARS, RunConfig
from checkpoint_lambda.domain.layout import SingleObject

HANDLER = "checkpoint_lambda.entrypoints.lambda_function.lambda_handler"
ARTIFACTS = {
    "function": "dist/checkpoint_lambda.zip",
    "powertools": "dist/powertools_layer.zip",
    "data_processing": "dist/data_processing_layer.zip",
}
# Config names Terraform must not set: Lambda sets the region itself; the endpoint is for local runs.
# The per-group layout and the listing concurrency keep the code's defaults here.
NOT_FROM_TERRAFORM = {
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "CHECKPOINT_KEY_TEMPLATE",
    "LIST_CONCURRENCY",
}
REQUIRED_ENV = {"SOURCE_BUCKET", "SOURCE_PREFIX", "CHECKPOINT_BUCKET", "CHECKPOINT_KEY"}
SOURCE_BUCKET_ARN = "arn:aws:s3:::${var.source_bucket}"
CHECKPOINT_OBJECT_ARNS = [
    "arn:aws:s3:::${var.checkpoint_bucket}/${var.checkpoint_key}",
    "arn:aws:s3:::${var.checkpoint_bucket}/${local.failure_record_key}",
]
POLARS_TO_GLUE = {"String": "string", "Int64": "bigint", "Date": "date", "Datetime": "timestamp"}


def _function(tf: Config) -> dict[str, Any]:
    return tf.resource("aws_lambda_function", "this")


def _statements(tf: Config, document: str) -> dict[str, dict[str, Any]]:
    statements = tf.data("aws_iam_policy_document", document)["statement"]
    assert all("sid" in s for s in statements), "every statement has a sid, so tests and readers can name it"
    return {s["sid"]: s for s in statements}


def _alarm_on(tf: Config, metric: str) -> dict[str, Any]:
    found = [body for body in tf.resources_of("aws_cloudwatch_metric_alarm").values() if body["metric_name"] == metric]
    assert len(found) == 1, f"expected one alarm on {metric}, found {len(found)}"
    return found[0]


# --- the function --------------------------------------------------------------------------------


def test_runtime_and_handler_match_the_package(tf: Config) -> None:
    function = _function(tf)
    assert tf.resolve(function["runtime"]) == "python3.12"
    assert tf.resolve(function["handler"]) == HANDLER
    module_path, _, function_name = HANDLER.rpartition(".")
    source = MODULE_DIR / "src" / "python" / (module_path.replace(".", "/") + ".py")
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


def test_environment_names_are_the_config_names(tf: Config) -> None:
    environment = tf.resolve(_function(tf)["environment"][0]["variables"])
    names = set(environment)
    powertools = {name for name in names if name.startswith("POWERTOOLS_")}
    unread = names - powertools - set(CONFIG_ENV_VARS)
    assert not unread, f"names the code never reads: {unread}"
    assert names >= REQUIRED_ENV
    assert set(CONFIG_ENV_VARS) - names == NOT_FROM_TERRAFORM, "every other name the code reads is set by Terraform"


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


def test_live_alias_points_at_the_published_version(tf: Config) -> None:
    alias = tf.resource("aws_lambda_alias", "live")
    assert alias["name"] == "live"
    assert alias["function_version"] == "${aws_lambda_function.this.version}"


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


# --- IAM -----------------------------------------------------------------------------------------


def test_no_delete_and_no_wildcard_actions(tf: Config) -> None:
    for path in MODULE_DIR.glob("*.tf"):
        text = path.read_text(encoding="utf-8")
        assert "s3:Delete" not in text, f"{path.name} grants a delete"
        assert '"s3:*"' not in text, f"{path.name} grants every S3 action"
    for document in ("lambda", "scheduler"):
        for sid, statement in _statements(tf, document).items():
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
    assert statements["ReadWriteCheckpoint"]["resources"] == CHECKPOINT_OBJECT_ARNS
    writers = {sid for sid, s in statements.items() if any(a.startswith("s3:Put") for a in s["actions"])}
    assert writers == {"ReadWriteCheckpoint"}
    readers = {sid: s["resources"] for sid, s in statements.items() if "s3:GetObject" in s["actions"]}
    assert readers == {
        "ReadSourceObjects": [f"{SOURCE_BUCKET_ARN}/${{var.source_prefix}}*"],
        "ReadWriteCheckpoint": CHECKPOINT_OBJECT_ARNS,
    }


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
    assert schedule["schedule_expression"] == "${var.schedule_expression}"
    target = schedule["target"][0]
    assert target["arn"] == "${aws_lambda_alias.live.arn}"
    assert target["role_arn"] == "${aws_iam_role.scheduler.arn}"
    assert target["retry_policy"][0]["maximum_retry_attempts"] == "${var.schedule_retry_attempts}"
    assert target["dead_letter_config"] == [{"arn": "${aws_sqs_queue.dead_letters.arn}"}]
    assert tf.resource("aws_sqs_queue", "dead_letters")["sqs_managed_sse_enabled"] is True


def test_scheduled_input_is_read_as_a_scheduler_event(tf: Config) -> None:
    target = tf.resource("aws_scheduler_schedule", "run")["target"][0]
    assert target["input"] == '${jsonencode({source = "aws.scheduler"})}'
    config = RunConfig.from_event(
        {"source": "aws.scheduler"},
        {"SOURCE_BUCKET": "src", "CHECKPOINT_BUCKET": "ckpt", "CHECKPOINT_KEY": "a/checkpoint.parquet"},
    )
    assert (config.source_bucket, config.layout) == ("src", SingleObject("a/checkpoint.parquet"))


def test_log_group_keeps_30_days_and_is_the_functions(tf: Config) -> None:
    group = tf.resource("aws_cloudwatch_log_group", "lambda")
    assert group["retention_in_days"] == "${var.log_retention_days}"
    assert tf.variables["log_retention_days"]["default"] == 30
    assert group["name"] == "/aws/lambda/${var.name}"
    assert _function(tf)["logging_config"][0]["log_group"] == "${aws_cloudwatch_log_group.lambda.name}"


def test_alarms_watch_errors_run_failed_duration_and_events_failed(tf: Config) -> None:
    observability = module_constants("observability")
    service = ast.literal_eval(module_constants("config")["DEFAULT_SERVICE_NAME"])
    namespace = ast.literal_eval(observability["METRICS_NAMESPACE"])
    for metric in ("Errors", "Duration"):
        alarm = _alarm_on(tf, metric)
        assert (alarm["namespace"], alarm["dimensions"]) == (
            "AWS/Lambda",
            {"FunctionName": "${aws_lambda_function.this.function_name}"},
        )
    for metric in ("RunFailed", "EventsFailed"):
        alarm = _alarm_on(tf, metric)
        assert tf.resolve(alarm["namespace"]) == namespace
        assert {key: tf.resolve(value) for key, value in alarm["dimensions"].items()} == {"service": service}
    assert _alarm_on(tf, "EventsFailed")["threshold"] == "${var.events_failed_alarm_threshold}"
    assert _alarm_on(tf, "Errors")["threshold"] == 0
    assert _alarm_on(tf, "RunFailed")["threshold"] == 0
    assert tf.resolve(_alarm_on(tf, "Duration")["threshold"]) == "${var.timeout * 1000 * 0.8}"
    for name, alarm in tf.resources_of("aws_cloudwatch_metric_alarm").items():
        assert alarm["alarm_actions"] == ["${var.alarm_sns_topic_arn}"], name
        assert alarm["comparison_operator"] == "GreaterThanThreshold", name


def test_metric_names_alarmed_on_are_emitted_by_the_handler(tf: Config) -> None:
    source = (MODULE_DIR / "src" / "python" / "checkpoint_lambda" / "entrypoints" / "lambda_function.py").read_text(
        encoding="utf-8"
    )
    strings = {node.value for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant)}
    assert {"RunFailed", "EventsFailed"} <= strings


def test_duration_alarm_fires_at_80_percent_of_the_timeout(console: Console) -> None:
    assert console("local.duration_alarm_threshold_ms").values == [720000]
    assert console("local.duration_alarm_threshold_ms", timeout="300").values == [240000]


# --- Athena --------------------------------------------------------------------------------------


def _schema_types() -> dict[str, str]:
    """CHECKPOINT_SCHEMA's columns and Glue types, read from domain/schema.py's source (no polars here)."""
    constants = module_constants("domain/schema")

    def glue_type(expr: ast.expr) -> str:
        if isinstance(expr, ast.Name):
            return glue_type(constants[expr.id])
        assert isinstance(expr, ast.Call), ast.dump(expr)
        assert isinstance(expr.func, ast.Attribute), ast.dump(expr)
        return POLARS_TO_GLUE[expr.func.attr]

    columns: dict[str, str] = {}
    for part in ("EVENT_COLUMNS", "SOURCE_COLUMNS"):
        table = constants[part]
        assert isinstance(table, ast.Dict)
        for key, value in zip(table.keys, table.values, strict=True):
            assert isinstance(key, ast.Constant)
            assert isinstance(key.value, str)
            columns[key.value] = glue_type(value)
    return columns


def test_glue_table_has_the_checkpoint_columns_and_types(tf: Config) -> None:
    descriptor = tf.resource("aws_glue_catalog_table", "visit_events")["storage_descriptor"][0]
    columns = {column["name"]: column["type"] for column in descriptor["columns"]}
    assert list(columns.items()) == list(_schema_types().items())
    assert "ParquetHiveSerDe" in descriptor["ser_de_info"][0]["serialization_library"]
    assert descriptor["location"] == "${local.checkpoint_table_location}"


def test_athena_workgroup_writes_results_to_the_variable(tf: Config) -> None:
    configuration = tf.resource("aws_athena_workgroup", "this")["configuration"][0]
    assert configuration["result_configuration"][0]["output_location"] == "${var.athena_results_location}"
    assert configuration["enforce_workgroup_configuration"] is True


@pytest.mark.parametrize(
    "checkpoint_key",
    [
        "checkpoints/visit-events/checkpoint.parquet",
        "a/events/checkpoint",
        "a/b.c/x.tar.gz",
        "x/.parquet",
        "deep/er/still/ckpt.parquet",
    ],
)
def test_failure_record_and_table_location_follow_the_codes_rule(console: Console, checkpoint_key: str) -> None:
    result = console(
        "local.failure_record_key",
        "local.checkpoint_table_location",
        checkpoint_bucket="ckpt-bucket",
        checkpoint_key=checkpoint_key,
    )
    failure_record_key, location = result.values
    expected = SingleObject(checkpoint_key).failure_record_key
    assert failure_record_key == expected
    prefix = location.removeprefix("s3://ckpt-bucket/")
    assert location.startswith("s3://ckpt-bucket/")
    assert prefix.endswith("/")
    assert checkpoint_key.startswith(prefix), "the checkpoint is inside the table's location"
    assert not failure_record_key.startswith(prefix), "the failure record is outside the table's location"


@pytest.mark.parametrize("checkpoint_key", ["checkpoint.parquet", "/a/checkpoint.parquet", "a/events/", "a//b.parquet"])
def test_checkpoint_key_outside_a_folder_is_refused(console: Console, checkpoint_key: str) -> None:
    result = console("local.failure_record_key", checkpoint_key=checkpoint_key)
    assert result.invalid_variables, result.stderr
    assert "checkpoint_key must name an object inside a folder" in result.stderr.replace("\n", " ").replace("│", "")


# --- house style ---------------------------------------------------------------------------------


def test_every_variable_and_output_is_typed_and_described(tf: Config) -> None:
    for name, variable in tf.variables.items():
        assert variable.get("type"), f"variable {name} has no type"
        assert variable.get("description"), f"variable {name} has no description"
    for name, output in tf.outputs.items():
        assert output.get("description"), f"output {name} has no description"


def test_terraform_and_aws_provider_are_pinned(tf: Config) -> None:
    (settings,) = tf.blocks["terraform"]
    assert settings["required_version"].startswith(">=")
    aws = settings["required_providers"][0]["aws"]
    assert aws["source"] == "hashicorp/aws"
    assert aws["version"].startswith("~>")


def test_tfvars_example_sets_every_required_variable(console: Console, tf: Config) -> None:
    required = sorted(name for name, variable in tf.variables.items() if "default" not in variable)
    result = console("[" + ", ".join(f"var.{name}" for name in required) + "]")
    assert not result.invalid_variables, result.stderr
    (values,) = result.values
    assert all(values), dict(zip(required, values, strict=True))
