# Athena over the checkpoint: a Glue table whose location is the checkpoint's folder, or in the
# per-group layout the template's fixed prefix. It is not partitioned: Athena reads every object
# under the location, each group's folder included, so a group that a run writes for the first
# time is queryable at once (DEPLOY.md says why not partitions). The failure record lives beside
# that location, not in it. Then the current-events view, and a workgroup with its results
# location, where the analytics SQL runs. In SQL, quote the reserved word: "timestamp".

resource "aws_glue_catalog_database" "this" {
  name        = local.glue_database_name
  description = "The ${local.name} checkpoint, for Athena."
}

resource "aws_glue_catalog_table" "visit_events" {
  name          = local.table_name
  database_name = aws_glue_catalog_database.this.name
  description   = "One row per ingested event-file version; the latest source_last_modified per event identity wins (the ${local.view_name} view keeps only those)."
  table_type    = "EXTERNAL_TABLE"
  parameters    = local.table_parameters

  storage_descriptor {
    location      = local.checkpoint_table_location
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      name                  = "parquet"
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      parameters            = { "serialization.format" = "1" }
    }

    dynamic "columns" {
      for_each = local.table_columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }
}

# The one definition of "current events" (latest version per event identity), as Athena itself
# stores a CREATE VIEW: a VIRTUAL_VIEW whose original text is the base64 Presto view definition.
# Its SQL is checkpoint_analytics/sql/views/current_events.sql over the table above.
resource "aws_glue_catalog_table" "current_events" {
  name               = local.view_name
  database_name      = aws_glue_catalog_database.this.name
  description        = "One row per event identity: its latest version in ${local.table_name}."
  table_type         = "VIRTUAL_VIEW"
  view_original_text = local.presto_view_text
  view_expanded_text = "/* Presto View */"

  parameters = {
    presto_view = "true"
    comment     = "Presto View"
  }

  storage_descriptor {
    ser_de_info {
      name                  = "-"
      serialization_library = "-"
    }

    dynamic "columns" {
      for_each = local.checkpoint_columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }

  # The view reads the table by name: it must exist first.
  depends_on = [aws_glue_catalog_table.visit_events]
}

resource "aws_athena_workgroup" "this" {
  name          = local.name
  description   = "Queries over ${aws_glue_catalog_database.this.name}.${aws_glue_catalog_table.visit_events.name} and ${aws_glue_catalog_table.current_events.name}."
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = var.athena_results_location

      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}
