"""The event path (event_ingestion): queue, dead-letter queue, source, event source mapping, and the
rules that keep the queue's visibility timeout, the function's concurrency and the schedule in step.

The parsed HCL says how the resources are wired; `terraform console` evaluates the derived values
and the variables' validations. bin/check-terraform plans dev and staging, where it is on.
"""

from __future__ import annotations

import json

import pytest

from hcl_module import Config, Console


def test_every_event_resource_exists_only_when_the_event_path_is_on(tf: Config) -> None:
    counted = {
        ("aws_sqs_queue", "events"): "${local.event_count}",
        ("aws_sqs_queue", "event_dead_letters"): "${local.event_count}",
        ("aws_sqs_queue_redrive_allow_policy", "event_dead_letters"): "${local.event_count}",
        ("aws_sqs_queue_policy", "events"): "${local.event_count}",
        ("aws_lambda_event_source_mapping", "events"): "${local.event_count}",
        ("aws_cloudwatch_event_rule", "source_objects"): "${local.eventbridge_count}",
        ("aws_cloudwatch_event_target", "events_queue"): "${local.eventbridge_count}",
        ("aws_s3_bucket_notification", "source_objects"): "${local.s3_notification_count}",
    }
    for (type_name, name), count in counted.items():
        assert tf.resource(type_name, name)["count"] == count, f"{type_name}.{name}"
    assert tf.variables["event_ingestion"]["default"] is False
    assert tf.variables["event_source"]["default"] == "eventbridge"


def test_mapping_invokes_the_live_alias_and_reports_batch_item_failures(tf: Config) -> None:
    mapping = tf.resource("aws_lambda_event_source_mapping", "events")
    assert mapping["function_name"] == "${aws_lambda_alias.live.arn}", "like the schedule: bin/promote decides"
    assert mapping["event_source_arn"] == "${aws_sqs_queue.events[0].arn}"
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["batch_size"] == "${var.event_batch_size}"
    assert mapping["maximum_batching_window_in_seconds"] == "${var.event_batching_window_seconds}"
    assert mapping["scaling_config"] == [{"maximum_concurrency": "${var.event_maximum_concurrency}"}]
    conditions = [p["condition"] for p in mapping["lifecycle"][0]["precondition"]]
    assert any("local.event_queue_visibility_timeout >= 6 * var.timeout" in c for c in conditions)
    assert any("local.reserved_concurrency >= var.event_maximum_concurrency + 1" in c for c in conditions)


def test_queues_are_encrypted_and_failures_go_to_the_event_dead_letter_queue(tf: Config) -> None:
    events, dead = tf.resource("aws_sqs_queue", "events"), tf.resource("aws_sqs_queue", "event_dead_letters")
    assert events["sqs_managed_sse_enabled"] is True
    assert dead["sqs_managed_sse_enabled"] is True
    assert events["visibility_timeout_seconds"] == "${local.event_queue_visibility_timeout}"
    assert "aws_sqs_queue.event_dead_letters[0].arn" in events["redrive_policy"]
    assert "var.event_max_receive_count" in events["redrive_policy"]
    # A message keeps its first enqueue time in the dead-letter queue: it must be kept longer there.
    assert dead["message_retention_seconds"] > events["message_retention_seconds"]
    allow = tf.resource("aws_sqs_queue_redrive_allow_policy", "event_dead_letters")["redrive_allow_policy"]
    assert '"byQueue"' in allow
    assert "aws_sqs_queue.events[0].arn" in allow


def test_queue_takes_messages_only_from_its_source_and_over_tls(tf: Config) -> None:
    statements = {s["sid"]: s for s in tf.data("aws_iam_policy_document", "events_queue")["statement"]}
    send = statements["ReceiveObjectCreatedEvents"]
    assert send["actions"] == ["sqs:SendMessage"]
    assert send["resources"] == ["${aws_sqs_queue.events[0].arn}"]
    assert "events.amazonaws.com" in send["principals"][0]["identifiers"][0]
    assert "s3.amazonaws.com" in send["principals"][0]["identifiers"][0]
    (source_arn,) = send["condition"]
    assert source_arn["variable"] == "aws:SourceArn"
    assert "aws_cloudwatch_event_rule.source_objects[*].arn" in source_arn["values"]
    deny = statements["DenyWithoutTls"]
    assert deny["effect"] == "Deny"
    assert deny["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    assert (
        tf.resource("aws_sqs_queue_policy", "events")["policy"]
        == "${data.aws_iam_policy_document.events_queue[0].json}"
    )


def test_rule_matches_object_created_json_under_the_source_prefix(tf: Config, console: Console) -> None:
    rule = tf.resource("aws_cloudwatch_event_rule", "source_objects")
    assert rule["event_pattern"] == "${jsonencode(local.event_pattern)}"
    assert tf.resource("aws_cloudwatch_event_target", "events_queue")["arn"] == "${aws_sqs_queue.events[0].arn}"
    (pattern,) = console("local.event_pattern").values
    assert pattern == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": ["submission-events"]},
            "object": {"key": [{"wildcard": "prod/*.json"}]},
        },
    }
    assert json.dumps(pattern)  # what jsonencode writes
    assert console("local.event_key_wildcard", source_prefix="").values == ["*.json"]
    assert console("local.event_key_wildcard", source_prefix="a*b\\c/").values == ["a\\*b\\\\c/*.json"]


def test_s3_notification_alternative_filters_prefix_and_suffix_and_waits_for_the_queue_policy(tf: Config) -> None:
    notification = tf.resource("aws_s3_bucket_notification", "source_objects")
    assert notification["bucket"] == "${var.source_bucket}"
    (queue,) = notification["queue"]
    assert queue["events"] == ["s3:ObjectCreated:*"]
    assert queue["filter_suffix"] == "${local.event_key_suffix}"
    assert "var.source_prefix" in queue["filter_prefix"]
    assert notification["depends_on"] == ["${aws_sqs_queue_policy.events}"]
    assert "eventbridge" not in notification, "it must not switch the bucket's EventBridge delivery off or on"


@pytest.mark.parametrize(
    ("variables", "visibility", "concurrency"),
    [
        ({}, 5460, 3),  # 6 x 900 + 60; two event runs and the schedule's
        ({"timeout": "300", "event_batching_window_seconds": "0", "event_batch_size": "10"}, 1800, 3),
        ({"event_maximum_concurrency": "5"}, 5460, 6),
        ({"reserved_concurrent_executions": "-1"}, 5460, -1),
        ({"event_queue_visibility_timeout_seconds": "7200"}, 7200, 3),
    ],
)
def test_visibility_timeout_and_concurrency_are_derived_from_the_function(
    console: Console, variables: dict[str, str], visibility: int, concurrency: int
) -> None:
    result = console(
        "local.event_queue_visibility_timeout", "local.reserved_concurrency", event_ingestion="true", **variables
    )
    assert result.values == [visibility, concurrency], result.stderr


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"event_batch_size": "10001"}, "event_batch_size must be a whole number from 1 to 10000"),
        ({"event_batch_size": "0"}, "event_batch_size must be a whole number from 1 to 10000"),
        ({"event_batch_size": "11", "event_batching_window_seconds": "0"}, "needs event_batching_window_seconds"),
        (
            {"event_batching_window_seconds": "301"},
            "event_batching_window_seconds must be a whole number from 0 to 300",
        ),
        ({"event_maximum_concurrency": "1"}, "event_maximum_concurrency must be a whole number from 2 to 1000"),
        ({"reserved_concurrent_executions": "2"}, "at least event_maximum_concurrency + 1"),
        ({"reserved_concurrent_executions": "0"}, "0 would stop every invocation"),
        ({"event_queue_visibility_timeout_seconds": "5399"}, "at least 6 x timeout + event_batching_window_seconds"),
        ({"event_queue_visibility_timeout_seconds": "43201"}, "at most 43200"),
        ({"event_source": "sns"}, "event_source must be eventbridge or s3_notification"),
    ],
)
def test_settings_that_disagree_are_refused_before_any_plan(
    console: Console, variables: dict[str, str], message: str
) -> None:
    result = console("local.reserved_concurrency", event_ingestion="true", **variables)
    assert result.invalid_variables, result.stderr
    assert message in result.errors


def test_without_the_event_path_one_run_at_a_time_and_any_reservation_is_accepted(console: Console) -> None:
    assert console("local.reserved_concurrency").values == [1]
    assert console("local.reserved_concurrency", reserved_concurrent_executions="2").values == [2]
    (environment,) = console("local.lambda_environment", event_ingestion="true").values
    assert environment["EVENT_INGESTION"] == "on"
