# Logs (30 days by default) and the alarms (local.alarms, in locals.tf), each notifying
# var.alarm_sns_topic_arn on ALARM and back to OK.
# A failed run returns an error response, which Lambda counts as a success: RunFailed (our own
# metric, via Powertools' EMF logs) is what sees it; Errors sees only crashes and timeouts.
# Our metrics carry the dimension `service` = POWERTOOLS_SERVICE_NAME = local.service_name
# (<name>-<environment>), so each environment's alarms see that environment's runs only.

resource "aws_cloudwatch_log_group" "lambda" {
  #checkov:skip=CKV_AWS_158:Logs hold keys and counts, no secrets; CloudWatch Logs encrypts them at rest by default.
  #checkov:skip=CKV_AWS_338:30 days by default (log_retention_days) is enough to investigate a run; the checkpoint and its failure record are the lasting record.
  name              = "/aws/lambda/${local.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.name}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = local.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_sns_topic_arn]
  ok_actions          = [var.alarm_sns_topic_arn]
}
