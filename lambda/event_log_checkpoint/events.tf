# Event-driven ingestion (var.event_ingestion, off by default): each new event file's "Object
# Created" event reaches an SQS queue, and an event source mapping hands batches of them to the
# `live` alias, which answers which messages failed (ReportBatchItemFailures). Messages that fail
# event_max_receive_count times go to the event dead-letter queue. The schedule stays as the
# backstop: it lists the log as before and reports the files the events missed.
#
# What feeds the queue (var.event_source):
# - eventbridge (default): an EventBridge rule on the source bucket's "Object Created" events under
#   the source prefix, ending in .json. The bucket must send its events to EventBridge, a bucket
#   setting that its owner turns on (DEPLOY.md); nothing here touches the bucket.
# - s3_notification: the bucket's notification configuration, written here. It replaces the
#   whole configuration, every other consumer's included: only for a bucket nothing else uses.
#
# Concurrency, schedule and timeouts agree (validations in variables.tf, preconditions below):
# the queue hides a message for at least 6 x the function timeout plus the batching window, and
# the function's reserved concurrency leaves one run for the schedule beside the mapping's most.

locals {
  event_count           = local.event_ingestion ? 1 : 0
  eventbridge_count     = local.event_ingestion && var.event_source == "eventbridge" ? 1 : 0
  s3_notification_count = local.event_ingestion && var.event_source == "s3_notification" ? 1 : 0
}

resource "aws_sqs_queue" "event_dead_letters" {
  count = local.event_count

  name = local.event_dead_letter_queue_name
  # A message keeps its first enqueue time when it moves here: keep it longer than the queue does.
  message_retention_seconds = 1209600 # 14 days, SQS's longest
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "events" {
  count = local.event_count

  name                       = local.event_queue_name
  visibility_timeout_seconds = local.event_queue_visibility_timeout
  message_retention_seconds  = 345600 # 4 days: the scheduled backstop finds whatever is dropped
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.event_dead_letters[0].arn
    maxReceiveCount     = var.event_max_receive_count
  })
}

# Only the event queue may send its failures to the event dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "event_dead_letters" {
  count = local.event_count

  queue_url = aws_sqs_queue.event_dead_letters[0].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.events[0].arn]
  })
}

data "aws_iam_policy_document" "events_queue" {
  count = local.event_count

  # EventBridge, for this rule only; or S3, for the source bucket of this account only.
  statement {
    sid       = "ReceiveObjectCreatedEvents"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events[0].arn]

    principals {
      type        = "Service"
      identifiers = [var.event_source == "eventbridge" ? "events.amazonaws.com" : "s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = var.event_source == "eventbridge" ? aws_cloudwatch_event_rule.source_objects[*].arn : ["arn:aws:s3:::${var.source_bucket}"]
    }

    # A bucket's ARN does not name its account: S3 also says which account sent the event.
    dynamic "condition" {
      for_each = var.event_source == "s3_notification" ? [data.aws_caller_identity.current.account_id] : []
      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid       = "DenyWithoutTls"
    effect    = "Deny"
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
    resources = [aws_sqs_queue.events[0].arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "events" {
  count = local.event_count

  queue_url = aws_sqs_queue.events[0].id
  policy    = data.aws_iam_policy_document.events_queue[0].json
}

# The source: EventBridge (default) ...
resource "aws_cloudwatch_event_rule" "source_objects" {
  count = local.eventbridge_count

  name          = "${local.name}-source-objects"
  description   = "New event files of ${local.name}: Object Created in s3://${var.source_bucket}/${var.source_prefix}, keys ending in ${local.event_key_suffix}."
  event_pattern = jsonencode(local.event_pattern)
}

resource "aws_cloudwatch_event_target" "events_queue" {
  count = local.eventbridge_count

  rule      = aws_cloudwatch_event_rule.source_objects[0].name
  target_id = "events-queue"
  arn       = aws_sqs_queue.events[0].arn

  retry_policy {
    maximum_retry_attempts       = 185
    maximum_event_age_in_seconds = 86400
  }
}

# ... or the bucket's own notification configuration (replaces all of it: see the top).
resource "aws_s3_bucket_notification" "source_objects" {
  count = local.s3_notification_count

  bucket = var.source_bucket

  queue {
    id            = "${local.name}-source-objects"
    queue_arn     = aws_sqs_queue.events[0].arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = var.source_prefix == "" ? null : var.source_prefix
    filter_suffix = local.event_key_suffix
  }

  # S3 checks that it may send to the queue when the configuration is written.
  depends_on = [aws_sqs_queue_policy.events]
}

# The queue -> the live alias (like the schedule: bin/promote decides which version handles events).
resource "aws_lambda_event_source_mapping" "events" {
  count = local.event_count

  event_source_arn                   = aws_sqs_queue.events[0].arn
  function_name                      = aws_lambda_alias.live.arn
  batch_size                         = var.event_batch_size
  maximum_batching_window_in_seconds = var.event_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.event_maximum_concurrency
  }

  # The role must be able to receive and delete before the mapping starts polling.
  depends_on = [aws_iam_role_policy.lambda]

  lifecycle {
    precondition {
      condition     = local.event_queue_visibility_timeout >= 6 * var.timeout + var.event_batching_window_seconds
      error_message = "The event queue's visibility timeout (${local.event_queue_visibility_timeout} s) must be at least 6 x the function timeout plus the batching window (${6 * var.timeout + var.event_batching_window_seconds} s), or a message comes back while a run still holds it."
    }
    precondition {
      condition     = local.reserved_concurrency == -1 || local.reserved_concurrency >= var.event_maximum_concurrency + 1
      error_message = "The function's reserved concurrency (${local.reserved_concurrency}) must leave the scheduled run a slot beside the event path's ${var.event_maximum_concurrency}: at least ${var.event_maximum_concurrency + 1}, or -1."
    }
  }
}
