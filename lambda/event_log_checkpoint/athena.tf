# Athena over the checkpoint: a Glue table whose location is the checkpoint's folder (the failure
# record lives beside it, not in it), and a workgroup with its results location, where the
# analytics SQL runs. Parquet columns are matched by name; these are CHECKPOINT_SCHEMA's, in order:
# String -> string, Int64 -> bigint, Date -> date, Datetime("us", "UTC") -> timestamp.
# In SQL, quote the reserved word: "timestamp".

resource "aws_glue_catalog_database" "this" {
  name        = local.glue_database_name
  description = "The ${var.name} checkpoint, for Athena."
}

resource "aws_glue_catalog_table" "visit_events" {
  name          = "visit_events"
  database_name = aws_glue_catalog_database.this.name
  description   = "One row per ingested event-file version; the latest source_last_modified per event identity wins."
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL       = "TRUE"
    classification = "parquet"
  }

  storage_descriptor {
    location      = local.checkpoint_table_location
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      name                  = "parquet"
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      parameters            = { "serialization.format" = "1" }
    }

    columns {
      name = "action"
      type = "string"
    }
    columns {
      name = "study"
      type = "string"
    }
    columns {
      name = "pipeline_adcid"
      type = "bigint"
    }
    columns {
      name = "project_label"
      type = "string"
    }
    columns {
      name = "center_label"
      type = "string"
    }
    columns {
      name = "gear_name"
      type = "string"
    }
    columns {
      name = "ptid"
      type = "string"
    }
    columns {
      name = "visit_date"
      type = "date"
    }
    columns {
      name = "visit_number"
      type = "string"
    }
    columns {
      name = "datatype"
      type = "string"
    }
    columns {
      name = "module"
      type = "string"
    }
    columns {
      name = "packet"
      type = "string"
    }
    columns {
      name    = "timestamp"
      type    = "timestamp"
      comment = "When the event happened (UTC). A reserved word: write \"timestamp\" in SQL."
    }
    columns {
      name = "source_key"
      type = "string"
    }
    columns {
      name = "source_etag"
      type = "string"
    }
    columns {
      name    = "source_last_modified"
      type    = "timestamp"
      comment = "When S3 last wrote the event file (UTC)."
    }
  }
}

resource "aws_athena_workgroup" "this" {
  name          = var.name
  description   = "Queries over ${aws_glue_catalog_database.this.name}.${aws_glue_catalog_table.visit_events.name}."
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
