# Values derived from variables only (no resource references): the wiring tests read them from
# the parsed HCL and evaluate them with `terraform console`, which needs no provider.
locals {
  # What bin/package builds, relative to the repository root (two folders up from this module).
  artifacts = {
    function        = "${path.module}/../../dist/checkpoint_lambda.zip"
    powertools      = "${path.module}/../../dist/powertools_layer.zip"
    data_processing = "${path.module}/../../dist/data_processing_layer.zip"
  }

  # The function zip keeps the package folder, so the handler is the full dotted path.
  handler = "checkpoint_lambda.entrypoints.lambda_function.lambda_handler"
  runtime = "python3.12"
  # bin/package installs manylinux2014 x86_64 wheels (polars, pydantic-core, obstore are native).
  architecture = "x86_64"

  # As in checkpoint_lambda/observability.py: Powertools adds `service` to every metric.
  service_name      = "event-log-checkpoint"
  metrics_namespace = "EventLogCheckpoint"

  # Layers given as ARNs are used as they are; the others are built from dist/ and uploaded.
  layer_arn_inputs = {
    powertools      = var.powertools_layer_arn
    data_processing = var.data_processing_layer_arn
  }
  built_layers       = { for layer, arn in local.layer_arn_inputs : layer => local.artifacts[layer] if arn == null }
  uploaded_artifacts = merge({ function = local.artifacts.function }, local.built_layers)
  artifact_keys      = { for name, path in local.uploaded_artifacts : name => "${var.artifact_key_prefix}${var.name}/${basename(path)}" }

  # The same rule as RunConfig.failure_record_key: `a/events/checkpoint.parquet` keeps its failed
  # files in `a/events_failures/checkpoint.json`, beside the checkpoint's folder, never inside it,
  # because the Athena table reads every object under the checkpoint's folder.
  checkpoint_folder         = regex("^(.*)/[^/]+$", var.checkpoint_key)[0]
  checkpoint_file           = regex("[^/]+$", var.checkpoint_key)
  checkpoint_stem           = length(regexall("\\.", local.checkpoint_file)) > 0 ? regex("^(.*)\\.[^.]*$", local.checkpoint_file)[0] : local.checkpoint_file
  failure_record_key        = "${local.checkpoint_folder}_failures/${local.checkpoint_stem}.json"
  checkpoint_table_location = "s3://${var.checkpoint_bucket}/${local.checkpoint_folder}/"

  # Every name the handler reads (checkpoint_lambda.config.CONFIG_ENV_VARS) except the ones Lambda
  # sets itself (AWS_REGION, AWS_DEFAULT_REGION) or that only local runs use (AWS_ENDPOINT_URL).
  lambda_environment = {
    SOURCE_BUCKET        = var.source_bucket
    SOURCE_PREFIX        = var.source_prefix
    CHECKPOINT_BUCKET    = var.checkpoint_bucket
    CHECKPOINT_KEY       = var.checkpoint_key
    INCLUDE_SANDBOX      = tostring(var.include_sandbox)
    FETCH_CONCURRENCY    = tostring(var.fetch_concurrency)
    POWERTOOLS_LOG_LEVEL = var.log_level
  }

  glue_database_name = replace(var.name, "-", "_")

  alarm_period_seconds = 300
  # Lambda reports Duration in milliseconds; alarm well before the timeout kills a run.
  duration_alarm_threshold_ms = var.timeout * 1000 * 0.8
}
