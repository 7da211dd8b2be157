# The schedule: EventBridge Scheduler invokes the `live` alias (asynchronously) with its own role,
# retries what Lambda refuses, and parks what it could not deliver in the dead-letter queue.
# That queue also takes the function's own asynchronous failures (crash, timeout).

resource "aws_sqs_queue" "dead_letters" {
  name                      = local.dead_letter_queue_name
  message_retention_seconds = 1209600 # 14 days, SQS's longest: time to look before they go
  sqs_managed_sse_enabled   = true
}

resource "aws_scheduler_schedule" "run" {
  #checkov:skip=CKV_AWS_297:The schedule's input is a constant with no data in it; AWS-owned encryption is enough.
  name                         = local.name
  description                  = "Runs ${local.name}:live on ${local.schedule_expression} with the function's environment as configuration."
  schedule_expression          = local.schedule_expression
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedule_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_alias.live.arn
    role_arn = aws_iam_role.scheduler.arn
    # RunConfig.from_event ignores the payload of a scheduler event: the environment decides.
    input = jsonencode({ source = "aws.scheduler" })

    retry_policy {
      maximum_retry_attempts       = var.schedule_retry_attempts
      maximum_event_age_in_seconds = 3600
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letters.arn
    }
  }
}
