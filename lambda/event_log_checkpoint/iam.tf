# Two roles: the function's (least privilege on S3, plus logs, X-Ray, its dead-letter queue and,
# when on, the event queue and S3 restores) and the scheduler's (invoke the `live` alias, send dead
# letters). Nothing may delete anything but the event path's own messages once handled.

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${local.name}-lambda"
  description        = "Execution role of the ${local.name} function."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "lambda" {
  # Listing is limited to the source prefix (when there is one).
  statement {
    sid       = "ListSourcePrefix"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.source_bucket}"]

    dynamic "condition" {
      for_each = var.source_prefix == "" ? [] : [var.source_prefix]
      content {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${condition.value}*"]
      }
    }
  }

  statement {
    sid       = "ReadSourceObjects"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${var.source_bucket}/${var.source_prefix}*"]
  }

  # Without ListBucket, S3 answers a GET of a missing key with 403, not 404, and the first run
  # (no checkpoint yet) would fail as access denied. A prefix condition cannot help: a GET has no
  # s3:prefix. This reveals key names in the checkpoint bucket, never their content.
  statement {
    sid       = "ListCheckpointBucket"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.checkpoint_bucket}"]
  }

  # Read and (conditionally) replace the checkpoint and its failure record, and nothing else: the
  # checkpoint key, or every group's key (the template with * for {study} and {datatype}, which
  # stays inside the template's fixed prefix), and the one failure record beside that prefix.
  statement {
    sid       = "ReadWriteCheckpoint"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [for key in local.checkpoint_object_keys : "arn:aws:s3:::${var.checkpoint_bucket}/${key}"]
  }

  # Only with restore_archived on: start restores of archived event files (no other object).
  dynamic "statement" {
    for_each = var.restore_archived == "off" ? [] : [var.restore_archived]
    content {
      sid       = "RestoreArchivedSourceObjects"
      actions   = ["s3:RestoreObject"]
      resources = ["arn:aws:s3:::${var.source_bucket}/${var.source_prefix}*"]
    }
  }

  # Only with event_ingestion: the event source mapping polls the event queue with this role.
  dynamic "statement" {
    for_each = aws_sqs_queue.events[*].arn
    content {
      sid       = "ReceiveEvents"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [statement.value]
    }
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda.arn}:*"]
  }

  statement {
    sid       = "SendDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }

  # X-Ray's write actions have no resource-level permissions: "*" is the only resource they take.
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "lambda" {
  name   = "${local.name}-lambda"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    # Only schedules of this account may use the role (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.name}-scheduler"
  description        = "Role EventBridge Scheduler uses to invoke ${local.name}:live."
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeLiveAlias"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_alias.live.arn]
  }

  statement {
    sid       = "SendDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${local.name}-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
