# Logs (30 days by default) and the alarms, each notifying var.alarm_sns_topic_arn.
# A failed run returns an error response, which Lambda counts as a success: RunFailed (our own
# metric, via Powertools' EMF logs) is what sees it; Errors sees only crashes and timeouts.
# Our metrics carry the dimension `service` = POWERTOOLS_SERVICE_NAME = local.service_name
# (<name>-<environment>), so each environment's alarms see that environment's runs only.

resource "aws_cloudwatch_log_group" "lambda" {
  #checkov:skip=CKV_AWS_158:Logs hold keys and counts, no secrets; CloudWatch Logs encrypts them at rest by default.
  #checkov:skip=CKV_AWS_338:Requirement 10 sets 30 days (log_retention_days); the checkpoint itself is the lasting record.
  name              = "/aws/lambda/${local.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${local.name}-errors"
  alarm_description   = "${local.name} crashed or timed out (Lambda Errors). Its log group: /aws/lambda/${local.name}."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = local.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_sns_topic_arn]
  ok_actions          = [var.alarm_sns_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "run_failed" {
  alarm_name          = "${local.name}-run-failed"
  alarm_description   = "A run of ${local.name} answered with an error, or with 207 because some groups' checkpoints were not written (RunFailed): access denied, bad configuration, or an unexpected error; the log line 'run failed' says which."
  namespace           = local.metrics_namespace
  metric_name         = "RunFailed"
  dimensions          = { service = local.service_name }
  statistic           = "Sum"
  period              = local.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_sns_topic_arn]
  ok_actions          = [var.alarm_sns_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "duration" {
  alarm_name          = "${local.name}-duration"
  alarm_description   = "A run of ${local.name} took over 80 % of its ${var.timeout} s timeout: raise memory_size or timeout before runs get killed."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Maximum"
  period              = local.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.duration_alarm_threshold_ms
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_sns_topic_arn]
  ok_actions          = [var.alarm_sns_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "events_failed" {
  alarm_name          = "${local.name}-events-failed"
  alarm_description   = "After a run of ${local.name}, more than ${var.events_failed_alarm_threshold} event files are still failing (bad JSON, schema, access); the failure record s3://${var.checkpoint_bucket}/${local.failure_record_key} lists them with reasons."
  namespace           = local.metrics_namespace
  metric_name         = "EventsFailed"
  dimensions          = { service = local.service_name }
  statistic           = "Sum"
  period              = local.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.events_failed_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_sns_topic_arn]
  ok_actions          = [var.alarm_sns_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${local.name}-dead-letters"
  alarm_description   = "An invocation of ${local.name} could not be delivered or crashed after retries; see the messages in ${aws_sqs_queue.dead_letters.name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letters.name }
  statistic           = "Maximum"
  period              = local.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_sns_topic_arn]
  ok_actions          = [var.alarm_sns_topic_arn]
}
