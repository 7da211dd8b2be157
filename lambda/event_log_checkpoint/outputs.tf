output "function_name" {
  description = "Name of the Lambda function (aws lambda invoke --function-name)."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function (unqualified)."
  value       = aws_lambda_function.this.arn
}

output "live_alias_arn" {
  description = "ARN of the live alias, which the schedule invokes (aws lambda invoke --qualifier live)."
  value       = aws_lambda_alias.live.arn
}

output "live_version" {
  description = "Function version the live alias points to (published by this apply)."
  value       = aws_lambda_alias.live.function_version
}

output "layer_arns" {
  description = "Layer version ARNs the function runs with: powertools, then data_processing."
  value       = local.layer_arns
}

output "execution_role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.lambda.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.lambda.name
}

output "schedule_arn" {
  description = "ARN of the EventBridge Scheduler schedule."
  value       = aws_scheduler_schedule.run.arn
}

output "dead_letter_queue_url" {
  description = "URL of the SQS queue holding undeliverable or failed asynchronous invocations."
  value       = aws_sqs_queue.dead_letters.url
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms, by what they watch."
  value = {
    errors        = aws_cloudwatch_metric_alarm.errors.alarm_name
    run_failed    = aws_cloudwatch_metric_alarm.run_failed.alarm_name
    duration      = aws_cloudwatch_metric_alarm.duration.alarm_name
    events_failed = aws_cloudwatch_metric_alarm.events_failed.alarm_name
    dead_letters  = aws_cloudwatch_metric_alarm.dead_letters.alarm_name
  }
}

output "checkpoint_path" {
  description = "s3:// path of the checkpoint parquet."
  value       = "s3://${var.checkpoint_bucket}/${var.checkpoint_key}"
}

output "failure_record_path" {
  description = "s3:// path of the failure record (files that failed, with reasons), beside the checkpoint's folder."
  value       = "s3://${var.checkpoint_bucket}/${local.failure_record_key}"
}

output "athena_table" {
  description = "Athena table over the checkpoint, as database.table."
  value       = "${aws_glue_catalog_database.this.name}.${aws_glue_catalog_table.visit_events.name}"
}

output "athena_workgroup" {
  description = "Athena workgroup to run queries in (aws athena start-query-execution --work-group)."
  value       = aws_athena_workgroup.this.name
}
