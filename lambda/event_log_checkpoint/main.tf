# The function: bin/package's zips, uploaded to S3 (the data-processing layer is too big for a
# direct upload), two layers (built here or given as ARNs), and every change published as a new
# version. Two aliases: `candidate`, which every apply moves to the version it published, and
# `live`, which the schedule invokes and which only bin/promote moves (see DEPLOY.md).

resource "aws_s3_object" "artifact" {
  for_each = local.uploaded_artifacts

  bucket      = var.artifact_bucket
  key         = local.artifact_keys[each.key]
  source      = each.value
  source_hash = filemd5(each.value)
}

resource "aws_lambda_layer_version" "built" {
  for_each = local.built_layers

  # No release in the description: any change makes a new layer version, and a release need not.
  layer_name               = "${local.name}-${replace(each.key, "_", "-")}"
  description              = "${each.key} layer of ${local.name} (${var.architecture}), from bin/package (${basename(each.value)})"
  s3_bucket                = aws_s3_object.artifact[each.key].bucket
  s3_key                   = aws_s3_object.artifact[each.key].key
  source_code_hash         = filebase64sha256(each.value)
  compatible_runtimes      = [local.runtime]
  compatible_architectures = [var.architecture]
}

locals {
  # Powertools first: the order of layers is the order of their python/ folders on sys.path.
  layer_arns = [
    for layer in ["powertools", "data_processing"] :
    coalesce(local.layer_arn_inputs[layer], try(aws_lambda_layer_version.built[layer].arn, null))
  ]
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:Reads and writes S3 only; a VPC would add a NAT or endpoints and nothing else.
  #checkov:skip=CKV_AWS_173:The environment holds bucket names and keys, no secrets; Lambda encrypts it at rest with its own key.
  #checkov:skip=CKV_AWS_272:Code signing is not set up; the zip is built by bin/package and pinned by source_code_hash.
  function_name = local.name
  description   = local.function_description
  role          = aws_iam_role.lambda.arn

  runtime       = local.runtime
  handler       = local.handler
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout
  layers        = local.layer_arns

  s3_bucket        = aws_s3_object.artifact["function"].bucket
  s3_key           = aws_s3_object.artifact["function"].key
  source_code_hash = filebase64sha256(local.artifacts.function)
  publish          = true

  reserved_concurrent_executions = local.reserved_concurrency

  environment {
    variables = local.lambda_environment
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text" # Powertools writes JSON lines itself
    log_group  = aws_cloudwatch_log_group.lambda.name
  }

  # Asynchronous invocations (the schedule's) that crash or time out, after Lambda's own retries.
  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  tags = { Release = local.release }

  # The role must be able to write logs and send dead letters before the first invocation.
  depends_on = [aws_iam_role_policy.lambda]

  lifecycle {
    precondition {
      condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$", local.release))
      error_message = "checkpoint_lambda/version.py must set VERSION to a semantic version (MAJOR.MINOR.PATCH), not \"${local.release}\"."
    }
  }
}

# Every apply points `candidate` at the version it published: bin/promote runs it dry first.
resource "aws_lambda_alias" "candidate" {
  name             = "candidate"
  description      = "Release ${local.release}: the version the last terraform apply published, not yet promoted unless live points at it too."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

# `live` starts at the first published version; after that only bin/promote moves it (and writes
# its description), so Terraform ignores both: an apply never moves live, forwards or back.
resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "The version the schedule invokes; moved only by bin/promote."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [function_version, description, routing_config]
  }
}
