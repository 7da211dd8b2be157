output "function_name" {
  description = "Name of the Lambda function (aws lambda invoke --function-name)."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function (unqualified)."
  value       = aws_lambda_function.this.arn
}

output "release" {
  description = "The package release (checkpoint_lambda/version.py) that this apply deployed."
  value       = local.release
}

output "environment" {
  description = "The environment of this state: dev, staging or prod."
  value       = var.environment
}

output "service_name" {
  description = "POWERTOOLS_SERVICE_NAME of the function: the `service` dimension of its metrics and of the alarms."
  value       = local.service_name
}

output "candidate_alias_arn" {
  description = "ARN of the candidate alias: the version this apply published (bin/promote runs it dry, then moves live to it)."
  value       = aws_lambda_alias.candidate.arn
}

output "candidate_version" {
  description = "Function version published by this apply (the candidate alias's)."
  value       = aws_lambda_alias.candidate.function_version
}

output "live_alias_arn" {
  description = "ARN of the live alias, which the schedule invokes (aws lambda invoke --qualifier live)."
  value       = aws_lambda_alias.live.arn
}

output "live_version" {
  description = "Function version the live alias pointed to when this state was last refreshed (bin/promote moves it; Terraform does not)."
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
  description = "Names of the CloudWatch alarms, by what they watch (local.alarms' keys)."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}

output "event_queue_url" {
  description = "URL of the SQS queue of the event path (event_ingestion), or null when it is off."
  value       = one(aws_sqs_queue.events[*].url)
}

output "event_dead_letter_queue_url" {
  description = "URL of the queue holding the event path's messages that failed event_max_receive_count times, or null when it is off."
  value       = one(aws_sqs_queue.event_dead_letters[*].url)
}

output "event_rule_name" {
  description = "EventBridge rule that feeds the event queue (event_source = eventbridge), or null."
  value       = one(aws_cloudwatch_event_rule.source_objects[*].name)
}

output "schedule_expression" {
  description = "When the schedule runs the function (schedule_expression, or its default: hourly, daily with the event path)."
  value       = local.schedule_expression
}

output "checkpoint_path" {
  description = "s3:// path of the checkpoint parquet, or in the per-group layout its key template."
  value       = "s3://${var.checkpoint_bucket}/${local.checkpoint_object}"
}

output "failure_record_path" {
  description = "s3:// path of the failure record (files that failed, with reasons), beside the checkpoint's folder."
  value       = "s3://${var.checkpoint_bucket}/${local.failure_record_key}"
}

output "athena_table" {
  description = "Athena table over the checkpoint, as database.table."
  value       = "${aws_glue_catalog_database.this.name}.${aws_glue_catalog_table.visit_events.name}"
}

output "athena_view" {
  description = "Athena view of the current events (latest version per event identity), as database.view."
  value       = "${aws_glue_catalog_database.this.name}.${aws_glue_catalog_table.current_events.name}"
}

output "athena_table_location" {
  description = "s3:// folder the Athena table reads: the checkpoint's folder or the template's fixed prefix."
  value       = local.checkpoint_table_location
}

output "athena_workgroup" {
  description = "Athena workgroup to run queries in (aws athena start-query-execution --work-group)."
  value       = aws_athena_workgroup.this.name
}
