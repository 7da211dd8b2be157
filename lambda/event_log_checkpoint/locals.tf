# Values derived from variables and files only (no resource references): the wiring tests read them
# from the parsed HCL and evaluate them with `terraform console`, which needs no provider.
locals {
  # One deployment per environment: every resource name starts with this. Release 1.0.0 took the
  # whole name (`name = "event-log-checkpoint-prod"`): such a name is not suffixed again, so its
  # resources keep their names (a changed function or queue name would replace the resource).
  base_name = trimsuffix(var.name, "-${var.environment}")
  name      = "${local.base_name}-${var.environment}"
  # POWERTOOLS_SERVICE_NAME of the function, so the `service` dimension of its metrics, which the
  # alarms select on: a dev run's RunFailed never reaches prod's alarm.
  service_name      = local.name
  metrics_namespace = "EventLogCheckpoint"

  # The S3 bucket-name rule, which three variables' validations share.
  bucket_name_pattern = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"

  # The release: checkpoint_lambda/version.py's VERSION, in the function's description and tags.
  release_file = "${path.module}/src/python/checkpoint_lambda/version.py"
  release      = regex("(?m)^VERSION\\s*(?::[^=]*)?=\\s*\"([^\"]+)\"", file(local.release_file))[0]

  # What bin/package builds, relative to the repository root (two folders up from this module).
  # The same names for either architecture: build for var.architecture before planning.
  artifacts = {
    function        = "${path.module}/../../dist/checkpoint_lambda.zip"
    powertools      = "${path.module}/../../dist/powertools_layer.zip"
    data_processing = "${path.module}/../../dist/data_processing_layer.zip"
  }

  # The function zip keeps the package folder, so the handler is the full dotted path.
  handler = "checkpoint_lambda.entrypoints.lambda_function.lambda_handler"
  runtime = "python3.12"

  # Layers given as ARNs are used as they are; the others are built from dist/ and uploaded.
  layer_arn_inputs = {
    powertools      = var.powertools_layer_arn
    data_processing = var.data_processing_layer_arn
  }
  built_layers       = { for layer, arn in local.layer_arn_inputs : layer => local.artifacts[layer] if arn == null }
  uploaded_artifacts = merge({ function = local.artifacts.function }, local.built_layers)
  artifact_keys      = { for name, path in local.uploaded_artifacts : name => "${var.artifact_key_prefix}${local.name}/${basename(path)}" }

  # --- Layout: one checkpoint object, or one per (study, datatype) from a key template ----------
  per_group = var.checkpoint_key_template != null
  # The key, or the template (the validations make exactly one of them set).
  checkpoint_object = local.per_group ? var.checkpoint_key_template : var.checkpoint_key
  checkpoint_folder = regex("^(.*)/[^/]+$", local.checkpoint_object)[0]
  checkpoint_file   = regex("[^/]+$", local.checkpoint_object)
  checkpoint_stem   = length(regexall("\\.", local.checkpoint_file)) > 0 ? regex("^(.*)\\.[^.]*$", local.checkpoint_file)[0] : local.checkpoint_file
  # The table's location: the checkpoint's folder, or the template's fixed prefix (the text before
  # its first `{`, cut after the last `/`): `prod/checkpoints/{study}/...` -> `prod/checkpoints/`.
  fixed_prefix = local.per_group ? regex("^[^{]*/", local.checkpoint_object) : "${local.checkpoint_folder}/"
  # The same rule as the code's: one failure record, beside the table's location, never inside it
  # (Athena reads every object there): `a/events/checkpoint.parquet` -> `a/events_failures/checkpoint.json`,
  # `prod/checkpoints/{study}/{datatype}/events.parquet` -> `prod/checkpoints_failures/events.json`.
  failure_record_key        = "${trimsuffix(local.fixed_prefix, "/")}_failures/${local.checkpoint_stem}.json"
  checkpoint_table_location = "s3://${var.checkpoint_bucket}/${local.fixed_prefix}"
  # The objects the function may read and replace: the checkpoint (every group's: the template with
  # `*` for its fields, inside the fixed prefix) and the failure record.
  checkpoint_object_keys = [
    replace(replace(local.checkpoint_object, "{study}", "*"), "{datatype}", "*"),
    local.failure_record_key,
  ]

  # Every name the handler reads (checkpoint_lambda.config.CONFIG_ENV_VARS) except the ones Lambda
  # sets itself (AWS_REGION, AWS_DEFAULT_REGION) or that only local runs use (AWS_ENDPOINT_URL),
  # plus Powertools' own.
  lambda_environment = merge(
    {
      SOURCE_BUCKET           = var.source_bucket
      SOURCE_PREFIX           = var.source_prefix
      CHECKPOINT_BUCKET       = var.checkpoint_bucket
      INCLUDE_SANDBOX         = tostring(var.include_sandbox)
      FETCH_CONCURRENCY       = tostring(var.fetch_concurrency)
      LIST_CONCURRENCY        = tostring(var.list_concurrency)
      EVENT_INGESTION         = var.event_ingestion ? "on" : "off"
      RESTORE_ARCHIVED        = var.restore_archived
      POWERTOOLS_SERVICE_NAME = local.service_name
      POWERTOOLS_LOG_LEVEL    = var.log_level
    },
    local.per_group ? { CHECKPOINT_KEY_TEMPLATE = var.checkpoint_key_template } : { CHECKPOINT_KEY = var.checkpoint_key },
  )

  function_description = substr("Release ${local.release} (${var.environment}): the visit-event log s3://${var.source_bucket}/${var.source_prefix} as parquet in s3://${var.checkpoint_bucket}/${local.checkpoint_object}", 0, 256)

  # --- Athena ----------------------------------------------------------------------------------
  glue_database_name = replace(local.name, "-", "_")
  table_name         = "visit_events"
  view_name          = "current_events"

  # CHECKPOINT_SCHEMA's columns, in order, as Glue (Hive) types: String -> string, Int64 -> bigint,
  # Date -> date, Datetime("us", "UTC") -> timestamp. Parquet columns are matched by name.
  checkpoint_columns = [
    { name = "action", type = "string", comment = null },
    { name = "study", type = "string", comment = "Lower case." },
    { name = "pipeline_adcid", type = "bigint", comment = null },
    { name = "project_label", type = "string", comment = null },
    { name = "center_label", type = "string", comment = null },
    { name = "gear_name", type = "string", comment = null },
    { name = "ptid", type = "string", comment = null },
    { name = "visit_date", type = "date", comment = null },
    { name = "visit_number", type = "string", comment = null },
    { name = "datatype", type = "string", comment = null },
    { name = "module", type = "string", comment = null },
    { name = "packet", type = "string", comment = null },
    { name = "timestamp", type = "timestamp", comment = "When the event happened (UTC). A reserved word: write \"timestamp\" in SQL." },
    { name = "source_key", type = "string", comment = null },
    { name = "source_etag", type = "string", comment = null },
    { name = "source_last_modified", type = "timestamp", comment = "When S3 last wrote the event file (UTC)." },
  ]
  # The table's columns: the checkpoint's, then OPTIONAL_COLUMNS, which an object holds only when
  # some row has a value (a file without the column reads as null). The view keeps the checkpoint's.
  table_columns = concat(local.checkpoint_columns, [
    { name = "extra_fields", type = "string", comment = "Top-level fields of the event file the model does not know, as one JSON object (null: none)." },
  ])
  # One unpartitioned table over the table's location, in either layout: Athena reads every
  # object below it, sub-folders included, so a study or datatype that a run writes for the first
  # time is queryable at once, with no Terraform change (DEPLOY.md, "Query with Athena"). Each
  # group's object holds study and datatype as columns, like the single object.
  table_parameters = { EXTERNAL = "TRUE", classification = "parquet" }

  # The current-events view: checkpoint_analytics' SQL text (its leading `--` lines dropped) over
  # the table, stored as Athena stores a view it created: the Presto view encoding.
  view_sql_file       = "${path.module}/src/python/checkpoint_analytics/sql/views/current_events.sql"
  qualified_table     = "\"${local.glue_database_name}\".\"${local.table_name}\""
  current_events_sql  = trimspace(replace(replace(file(local.view_sql_file), "/^(--[^\n]*\n)+/", ""), "{table}", local.qualified_table))
  presto_column_types = { string = "varchar" }
  presto_view = {
    originalSql = local.current_events_sql
    catalog     = "awsdatacatalog"
    schema      = local.glue_database_name
    columns     = [for column in local.checkpoint_columns : { name = column.name, type = lookup(local.presto_column_types, column.type, column.type) }]
  }
  presto_view_text = "/* Presto View: ${base64encode(jsonencode(local.presto_view))} */"

  # --- Schedule and concurrency ----------------------------------------------------------------
  # With the event path on, the scheduled run is the backstop that finds what notifications missed:
  # daily is enough. An explicit schedule_expression wins either way.
  schedule_expression = coalesce(var.schedule_expression, var.event_ingestion ? "rate(1 day)" : "rate(1 hour)")
  # One run at a time without the event path; with it, the event source mapping's most plus one
  # slot for the scheduled run (the validations hold an explicit value to the same rule).
  reserved_concurrency   = coalesce(var.reserved_concurrent_executions, var.event_ingestion ? var.event_maximum_concurrency + 1 : 1)
  dead_letter_queue_name = "${local.name}-dead-letters"

  # --- Event-driven ingestion (event_ingestion) -------------------------------------------------
  event_ingestion              = var.event_ingestion
  event_queue_name             = "${local.name}-events"
  event_dead_letter_queue_name = "${local.name}-events-dead-letters"
  # AWS's advice for a queue that triggers Lambda: hidden for six function timeouts (a run that
  # took a message, and its retries) plus the batching window.
  event_queue_visibility_timeout = coalesce(var.event_queue_visibility_timeout_seconds, 6 * var.timeout + var.event_batching_window_seconds)
  # The event files: keys under the source prefix ending in .json (the handler applies the log's
  # own rules to each key). EventBridge's wildcard matches `/` too; a literal * or \ is escaped.
  event_key_suffix   = ".json"
  event_key_wildcard = "${replace(replace(var.source_prefix, "\\", "\\\\"), "*", "\\*")}*${local.event_key_suffix}"
  event_pattern = {
    source      = ["aws.s3"]
    detail-type = ["Object Created"]
    detail = {
      bucket = { name = [var.source_bucket] }
      object = { key = [{ wildcard = local.event_key_wildcard }] }
    }
  }

  # --- Alarms -----------------------------------------------------------------------------------
  alarm_period_seconds = 300
  # Lambda reports Duration in milliseconds; alarm well before the timeout kills a run.
  duration_alarm_threshold_ms = var.timeout * 1000 * 0.8

  # Every alarm, by key (the resource's for_each key; its name is <name>-<key with - for _>). Each
  # fires when its statistic over one alarm_period_seconds is above its threshold, and notifies
  # alarm_sns_topic_arn. Our own metrics carry the dimension service = local.service_name.
  alarms = merge(
    {
      errors = {
        description = "${local.name} crashed or timed out (Lambda Errors). Its log group: /aws/lambda/${local.name}."
        namespace   = "AWS/Lambda"
        metric_name = "Errors"
        dimensions  = tomap({ FunctionName = local.name })
        statistic   = "Sum"
        threshold   = 0
      }
      run_failed = {
        description = "A run of ${local.name} answered with an error, or with 207 because some groups' checkpoints were not written (RunFailed): access denied, bad configuration, or an unexpected error; the log line 'run failed' says which."
        namespace   = local.metrics_namespace
        metric_name = "RunFailed"
        dimensions  = tomap({ service = local.service_name })
        statistic   = "Sum"
        threshold   = 0
      }
      duration = {
        description = "A run of ${local.name} took over 80 % of its ${var.timeout} s timeout: raise memory_size or timeout before runs get killed."
        namespace   = "AWS/Lambda"
        metric_name = "Duration"
        dimensions  = tomap({ FunctionName = local.name })
        statistic   = "Maximum"
        threshold   = local.duration_alarm_threshold_ms
      }
      events_failed = {
        description = "After a run of ${local.name}, more than ${var.events_failed_alarm_threshold} event files are still failing (bad JSON, schema, access); the failure record s3://${var.checkpoint_bucket}/${local.failure_record_key} lists them with reasons."
        namespace   = local.metrics_namespace
        metric_name = "EventsFailed"
        dimensions  = tomap({ service = local.service_name })
        statistic   = "Sum"
        threshold   = var.events_failed_alarm_threshold
      }
      dead_letters = {
        description = "An invocation of ${local.name} could not be delivered or crashed after retries; see the messages in ${local.dead_letter_queue_name}."
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        dimensions  = tomap({ QueueName = local.dead_letter_queue_name })
        statistic   = "Maximum"
        threshold   = 0
      }
    },
    { for key, alarm in local.event_alarms : key => alarm if local.event_ingestion },
  )
  event_alarms = {
    event_queue_age = {
      description = "The oldest message in ${local.event_queue_name} has waited over ${var.event_queue_age_alarm_seconds} s: the event path of ${local.name} is not keeping up, or its runs fail before they delete their messages (see the errors and run-failed alarms)."
      namespace   = "AWS/SQS"
      metric_name = "ApproximateAgeOfOldestMessage"
      dimensions  = tomap({ QueueName = local.event_queue_name })
      statistic   = "Maximum"
      threshold   = var.event_queue_age_alarm_seconds
    }
    event_dead_letters = {
      description = "Event files that failed ${var.event_max_receive_count} times on the event path of ${local.name} are in ${local.event_dead_letter_queue_name}; the next scheduled run picks their files up. Read a message to see which, then purge the queue or move the messages back (aws sqs start-message-move-task)."
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = tomap({ QueueName = local.event_dead_letter_queue_name })
      statistic   = "Maximum"
      threshold   = 0
    }
    files_missed_by_events = {
      description = "The scheduled run of ${local.name} found event files that the event path never ingested (FilesMissedByEvents): notifications stopped or are filtered away. Check that the source bucket still sends EventBridge notifications, and the rule ${local.name}-source-objects and the queue ${local.event_queue_name}."
      namespace   = local.metrics_namespace
      metric_name = "FilesMissedByEvents"
      dimensions  = tomap({ service = local.service_name })
      statistic   = "Sum"
      threshold   = 0
    }
  }
}
