# Values derived from variables and files only (no resource references): the wiring tests read them
# from the parsed HCL and evaluate them with `terraform console`, which needs no provider.
locals {
  # One deployment per environment: every resource name starts with this.
  name = "${var.name}-${var.environment}"
  # POWERTOOLS_SERVICE_NAME of the function, so the `service` dimension of its metrics, which the
  # alarms select on: a dev run's RunFailed never reaches prod's alarm.
  service_name      = local.name
  metrics_namespace = "EventLogCheckpoint"

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
  # Each group's folder, as partition projection spells it (`$${study}`); Hive style works alike.
  partition_location_template = local.per_group ? "s3://${var.checkpoint_bucket}/${replace(replace(local.checkpoint_folder, "{study}", "$${study}"), "{datatype}", "$${datatype}")}/" : null
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
  # The per-group table is partitioned by the template's two fields. Athena refuses a partition
  # column that is also a data column, so there study and datatype are partition keys only (their
  # values come from the path; each group's parquet holds the same values).
  partition_names    = local.per_group ? ["study", "datatype"] : []
  partition_columns  = [for column in local.checkpoint_columns : column if contains(local.partition_names, column.name)]
  table_data_columns = [for column in local.checkpoint_columns : column if !contains(local.partition_names, column.name)]

  # checkpoint_lambda's Datatype values: the projection's datatype partitions.
  datatypes = ["apoe", "biomarker", "dicom", "enrollment", "form", "genetic-availability", "gwas", "imputation", "scan-analysis"]

  # Partition projection: Athena computes the partitions from these values and the location
  # template, with no crawler, no MSCK REPAIR and no partitions stored in Glue.
  table_parameters = merge(
    { EXTERNAL = "TRUE", classification = "parquet" },
    local.per_group ? {
      "projection.enabled"         = "true"
      "projection.study.type"      = "enum"
      "projection.study.values"    = join(",", var.studies)
      "projection.datatype.type"   = "enum"
      "projection.datatype.values" = join(",", local.datatypes)
      "storage.location.template"  = local.partition_location_template
    } : {},
  )

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

  alarm_period_seconds = 300
  # Lambda reports Duration in milliseconds; alarm well before the timeout kills a run.
  duration_alarm_threshold_ms = var.timeout * 1000 * 0.8
}
