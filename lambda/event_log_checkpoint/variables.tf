# ---------------------------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------------------------

variable "region" {
  description = "AWS region of everything here. Keep the source, checkpoint and artifact buckets in it: the function signs its S3 requests for its own region (AWS_REGION)."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the function and prefix of every other resource (one per environment, e.g. event-log-checkpoint-prod). Its Glue database is the same name with _ for -."
  type        = string
  default     = "event-log-checkpoint"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name))
    error_message = "name must be 1-40 characters: lowercase letters, digits and -, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource (the provider's default_tags), beside Service = event-log-checkpoint."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------
# What the function reads and writes (its environment; an invocation payload can override them)
# ---------------------------------------------------------------------------------------------

variable "source_bucket" {
  description = "Bucket holding the visit-event log files (SOURCE_BUCKET)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.source_bucket))
    error_message = "source_bucket must be an S3 bucket name."
  }
}

variable "source_prefix" {
  description = "Key prefix under which the event files are listed (SOURCE_PREFIX); the role may list and read only below it. Empty for the whole bucket."
  type        = string
  default     = ""

  validation {
    condition     = !startswith(var.source_prefix, "/")
    error_message = "source_prefix is an S3 key prefix: it does not start with /."
  }
}

variable "checkpoint_bucket" {
  description = "Bucket of the parquet checkpoint (CHECKPOINT_BUCKET)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.checkpoint_bucket))
    error_message = "checkpoint_bucket must be an S3 bucket name."
  }
}

variable "checkpoint_key" {
  description = "Key of the parquet checkpoint (CHECKPOINT_KEY), inside a folder that holds nothing else: that folder is the Athena table's location. The failure record goes to <folder>_failures/<name>.json."
  type        = string

  validation {
    condition     = can(regex("^[^/]+(/[^/]+)*/[^/]+$", var.checkpoint_key))
    error_message = "checkpoint_key must name an object inside a folder (e.g. checkpoints/visit-events/checkpoint.parquet), without leading, trailing or doubled /."
  }
}

variable "include_sandbox" {
  description = "Whether sandbox event files are ingested too (INCLUDE_SANDBOX)."
  type        = bool
  default     = false
}

variable "fetch_concurrency" {
  description = "Concurrent S3 GETs while fetching event files (FETCH_CONCURRENCY)."
  type        = number
  default     = 64

  validation {
    condition     = var.fetch_concurrency >= 1 && var.fetch_concurrency <= 512 && floor(var.fetch_concurrency) == var.fetch_concurrency
    error_message = "fetch_concurrency must be a whole number from 1 to 512 (the code's own limit)."
  }
}

variable "log_level" {
  description = "Level of the function's Powertools logger (POWERTOOLS_LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

# ---------------------------------------------------------------------------------------------
# The function and its layers
# ---------------------------------------------------------------------------------------------

variable "memory_size" {
  description = "Memory of the function in MB (CPU grows with it)."
  type        = number
  default     = 3008

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be 128 to 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout of the function in seconds. The Duration alarm fires at 80 % of it."
  type        = number
  default     = 900

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be 1 to 900 seconds."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrent runs allowed. 1 (default) keeps runs on one checkpoint from racing (the loser of a race fails its conditional write); -1 reserves nothing, for accounts whose unreserved pool cannot spare one."
  type        = number
  default     = 1

  validation {
    condition     = var.reserved_concurrent_executions == -1 || var.reserved_concurrent_executions >= 1
    error_message = "reserved_concurrent_executions must be -1 (no reservation) or at least 1; 0 would stop every invocation."
  }
}

variable "artifact_bucket" {
  description = "Existing bucket, in the function's region, that bin/package's zips are uploaded to (the data-processing layer is over the 50 MB limit of a direct upload)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket))
    error_message = "artifact_bucket must be an S3 bucket name."
  }
}

variable "artifact_key_prefix" {
  description = "Key prefix of the uploaded zips in artifact_bucket; the zips go to <prefix><name>/<zip file name>."
  type        = string
  default     = "lambda-artifacts/"

  validation {
    condition     = var.artifact_key_prefix == "" || can(regex("^[^/].*/$", var.artifact_key_prefix))
    error_message = "artifact_key_prefix must be empty or end with / (and not start with /)."
  }
}

variable "powertools_layer_arn" {
  description = "Existing layer version ARN to use instead of building dist/powertools_layer.zip, e.g. the public arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:{version}. Null builds the layer."
  type        = string
  default     = null

  validation {
    condition     = var.powertools_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer_arn))
    error_message = "powertools_layer_arn must be a layer version ARN (ending in :<version>) or null."
  }
}

variable "data_processing_layer_arn" {
  description = "Existing layer version ARN (pydantic, polars, obstore for python3.12 x86_64) to use instead of building dist/data_processing_layer.zip. Null builds the layer."
  type        = string
  default     = null

  validation {
    condition     = var.data_processing_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.data_processing_layer_arn))
    error_message = "data_processing_layer_arn must be a layer version ARN (ending in :<version>) or null."
  }
}

variable "log_retention_days" {
  description = "Days the function's CloudWatch logs are kept."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

# ---------------------------------------------------------------------------------------------
# Schedule
# ---------------------------------------------------------------------------------------------

variable "schedule_expression" {
  description = "When EventBridge Scheduler runs the function: rate(...), cron(...) or at(...)."
  type        = string
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(rate|cron|at)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be rate(...), cron(...) or at(...)."
  }
}

variable "schedule_timezone" {
  description = "Time zone of a cron(...) schedule_expression."
  type        = string
  default     = "UTC"
}

variable "schedule_enabled" {
  description = "Whether the schedule runs (false keeps it, disabled, e.g. while backfilling by hand)."
  type        = bool
  default     = true
}

variable "schedule_retry_attempts" {
  description = "How often the scheduler retries an invocation Lambda refused (throttled, for one) before sending it to the dead-letter queue."
  type        = number
  default     = 3

  validation {
    condition     = var.schedule_retry_attempts >= 0 && var.schedule_retry_attempts <= 185
    error_message = "schedule_retry_attempts must be 0 to 185."
  }
}

# ---------------------------------------------------------------------------------------------
# Alarms
# ---------------------------------------------------------------------------------------------

variable "alarm_sns_topic_arn" {
  description = "Existing SNS topic that every alarm (and its return to OK) notifies."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+$", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be an SNS topic ARN."
  }
}

variable "events_failed_alarm_threshold" {
  description = "The EventsFailed alarm fires when a run reports more event files still failing (bad JSON, schema, access: the failure record's entries) than this."
  type        = number
  default     = 0

  validation {
    condition     = var.events_failed_alarm_threshold >= 0
    error_message = "events_failed_alarm_threshold must be 0 or more."
  }
}

# ---------------------------------------------------------------------------------------------
# Athena
# ---------------------------------------------------------------------------------------------

variable "athena_results_location" {
  description = "S3 folder (s3://bucket/prefix/) where the Athena workgroup writes query results."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/(.+/)?$", var.athena_results_location))
    error_message = "athena_results_location must look like s3://bucket/ or s3://bucket/prefix/ (ending with /)."
  }
}
