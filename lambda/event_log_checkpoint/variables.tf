# ---------------------------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------------------------

variable "region" {
  description = "AWS region of everything here. Keep the source, checkpoint and artifact buckets in it: the function signs its S3 requests for its own region (AWS_REGION)."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Which deployment this is: dev, staging or prod. Every resource name ends in it, and so does the function's Powertools service name (its metrics' `service` dimension)."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "name" {
  description = "Base name: the function is <name>-<environment> (e.g. event-log-checkpoint-prod), every other resource starts with that, and its Glue database is the same with _ for -. A name that already ends in -<environment> (release 1.0.0's `event-log-checkpoint-prod`) is not suffixed again. bin/promote assumes the default."
  type        = string
  default     = "event-log-checkpoint"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}$", var.name))
    error_message = "name must be 1-32 characters: lowercase letters, digits and -, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource (the provider's default_tags), beside Service = <name> and Environment = <environment>."
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
    condition     = can(regex(local.bucket_name_pattern, var.source_bucket))
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
    condition     = can(regex(local.bucket_name_pattern, var.checkpoint_bucket))
    error_message = "checkpoint_bucket must be an S3 bucket name."
  }
}

variable "checkpoint_key" {
  description = "Single-object layout: key of the parquet checkpoint (CHECKPOINT_KEY), inside a folder that holds nothing else: that folder is the Athena table's location. The failure record goes to <folder>_failures/<name>.json. Set this or checkpoint_key_template."
  type        = string
  default     = null

  validation {
    condition     = var.checkpoint_key == null || can(regex("^[^/{}]+(/[^/{}]+)*/[^/{}]+$", var.checkpoint_key))
    error_message = "checkpoint_key must name an object inside a folder (e.g. checkpoints/visit-events/checkpoint.parquet), without leading, trailing or doubled / and without braces (a key with {study} and {datatype} is a checkpoint_key_template)."
  }
}

variable "checkpoint_key_template" {
  description = "Per-group layout: one checkpoint per study and datatype at this key (CHECKPOINT_KEY_TEMPLATE), e.g. prod/checkpoints/{study}/{datatype}/events.parquet or checkpoints/study={study}/datatype={datatype}/events.parquet. The text before the first { up to its last / is the Athena table's location; the failure record goes beside it. Set this or checkpoint_key."
  type        = string
  default     = null

  validation {
    condition     = (var.checkpoint_key == null) != (var.checkpoint_key_template == null)
    error_message = "Set exactly one of checkpoint_key (one checkpoint object) and checkpoint_key_template (one per study and datatype)."
  }

  validation {
    # A conditional, not ||: Terraform evaluates both sides of ||, and these functions refuse null.
    condition = var.checkpoint_key_template == null ? true : (
      length(regexall("\\{study\\}", var.checkpoint_key_template)) == 1 &&
      length(regexall("\\{datatype\\}", var.checkpoint_key_template)) == 1 &&
      length(regexall("[{}]", replace(replace(var.checkpoint_key_template, "{study}", ""), "{datatype}", ""))) == 0
    )
    error_message = "checkpoint_key_template must hold {study} and {datatype} exactly once each, and nothing else in braces."
  }

  validation {
    condition = var.checkpoint_key_template == null ? true : (
      can(regex("^[^/{][^{]*/", var.checkpoint_key_template)) &&
      can(regex("/[^/{}]+$", var.checkpoint_key_template)) &&
      !strcontains(var.checkpoint_key_template, "//")
    )
    error_message = "checkpoint_key_template must start with a fixed folder (e.g. checkpoints/), keep {study} and {datatype} in folders, not in the file name, and have no leading or doubled /."
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

variable "list_concurrency" {
  description = "Concurrent S3 listings (LIST_CONCURRENCY): the source prefix is listed in parallel by sub-prefix."
  type        = number
  default     = 8

  validation {
    condition     = var.list_concurrency >= 1 && var.list_concurrency <= 64 && floor(var.list_concurrency) == var.list_concurrency
    error_message = "list_concurrency must be a whole number from 1 to 64."
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

variable "architecture" {
  description = "Instruction set of the function and the layers: x86_64, or arm64 (about 20 % cheaper per GB-second). Build the zips for it: bin/package --arch arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

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
  description = "Concurrent runs allowed. Null (default): 1 without the event path, which keeps runs on one checkpoint from racing (the loser of a race fails its conditional write), and event_maximum_concurrency + 1 with it, so the scheduled run always finds a free slot. -1 reserves nothing, for accounts whose unreserved pool cannot spare one."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || var.reserved_concurrent_executions == -1 || try(var.reserved_concurrent_executions >= 1, false)
    error_message = "reserved_concurrent_executions must be null (derived), -1 (no reservation) or at least 1; 0 would stop every invocation."
  }

  validation {
    # The event source mapping may hold event_maximum_concurrency runs at once: one more slot
    # keeps the scheduled backstop from being throttled out.
    condition = (
      !var.event_ingestion || var.reserved_concurrent_executions == null || var.reserved_concurrent_executions == -1 ||
      try(var.reserved_concurrent_executions >= var.event_maximum_concurrency + 1, false)
    )
    error_message = "With event_ingestion, reserved_concurrent_executions must be at least event_maximum_concurrency + 1 (the event path's runs plus the scheduled one), -1 or null."
  }
}

variable "restore_archived" {
  description = "What a run does with event files in an archive storage class (RESTORE_ARCHIVED): off (count and report them), or start an S3 restore of them, bulk (cheapest, up to 48 hours) or standard (3-5 hours). Anything but off lets the role call s3:RestoreObject on the source log's objects."
  type        = string
  default     = "off"

  validation {
    condition     = contains(["off", "bulk", "standard"], var.restore_archived)
    error_message = "restore_archived must be off, bulk or standard."
  }
}

variable "artifact_bucket" {
  description = "Existing bucket, in the function's region, that bin/package's zips are uploaded to (the data-processing layer is over the 50 MB limit of a direct upload)."
  type        = string

  validation {
    condition     = can(regex(local.bucket_name_pattern, var.artifact_bucket))
    error_message = "artifact_bucket must be an S3 bucket name."
  }
}

variable "artifact_key_prefix" {
  description = "Key prefix of the uploaded zips in artifact_bucket; the zips go to <prefix><name>-<environment>/<zip file name>."
  type        = string
  default     = "lambda-artifacts/"

  validation {
    condition     = var.artifact_key_prefix == "" || can(regex("^[^/].*/$", var.artifact_key_prefix))
    error_message = "artifact_key_prefix must be empty or end with / (and not start with /)."
  }
}

variable "powertools_layer_arn" {
  description = "Existing layer version ARN to use instead of building dist/powertools_layer.zip, e.g. the public arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-{x86_64|arm64}:{version} (of var.architecture). Null builds the layer."
  type        = string
  default     = null

  validation {
    condition     = var.powertools_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer_arn))
    error_message = "powertools_layer_arn must be a layer version ARN (ending in :<version>) or null."
  }
}

variable "data_processing_layer_arn" {
  description = "Existing layer version ARN (pydantic, polars, obstore for python3.12 on var.architecture) to use instead of building dist/data_processing_layer.zip. Null builds the layer."
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
  description = "When EventBridge Scheduler runs the function: rate(...), cron(...) or at(...). Null (default): hourly, or daily with the event path on (the scheduled run is then the backstop that finds what notifications missed)."
  type        = string
  default     = null

  validation {
    condition     = var.schedule_expression == null || can(regex("^(rate|cron|at)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be rate(...), cron(...) or at(...), or null for the default."
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
# Event-driven ingestion (opt-in): S3 "Object Created" -> SQS -> the function's `live` alias
# ---------------------------------------------------------------------------------------------

variable "event_ingestion" {
  description = "Whether new event files also reach the function as they are written: an SQS queue (and its dead-letter queue) fed by event_source, polled by an event source mapping on the live alias (EVENT_INGESTION = on). The schedule stays, as the backstop."
  type        = bool
  default     = false
}

variable "event_source" {
  description = "What feeds the queue: eventbridge (default; an EventBridge rule on the source bucket's \"Object Created\" events, which needs EventBridge notifications turned on for that bucket by whoever owns it: DEPLOY.md) or s3_notification (this module writes the bucket's notification configuration, replacing every other consumer's: only for a bucket nothing else is notified from)."
  type        = string
  default     = "eventbridge"

  validation {
    condition     = contains(["eventbridge", "s3_notification"], var.event_source)
    error_message = "event_source must be eventbridge or s3_notification."
  }
}

variable "event_batch_size" {
  description = "Most messages (event files) one invocation of the event path gets: 1 to 10,000. Lambda also caps a batch at 6 MB of payload."
  type        = number
  default     = 500

  validation {
    condition     = var.event_batch_size >= 1 && var.event_batch_size <= 10000 && floor(var.event_batch_size) == var.event_batch_size
    error_message = "event_batch_size must be a whole number from 1 to 10000."
  }

  validation {
    condition     = var.event_batch_size <= 10 || var.event_batching_window_seconds >= 1
    error_message = "An event_batch_size over 10 needs event_batching_window_seconds of at least 1 (Lambda's rule for standard queues)."
  }
}

variable "event_batching_window_seconds" {
  description = "How long Lambda gathers messages before it invokes with fewer than event_batch_size: 0 to 300 s. Longer means fewer, larger runs (fewer checkpoint rewrites), and events reach the checkpoint later."
  type        = number
  default     = 60

  validation {
    condition     = var.event_batching_window_seconds >= 0 && var.event_batching_window_seconds <= 300 && floor(var.event_batching_window_seconds) == var.event_batching_window_seconds
    error_message = "event_batching_window_seconds must be a whole number from 0 to 300."
  }
}

variable "event_maximum_concurrency" {
  description = "Most concurrent runs the event source mapping starts: 2 (Lambda's minimum) to 1000. Concurrent runs on one group's checkpoint race; the loser's items return as batch item failures and come back."
  type        = number
  default     = 2

  validation {
    condition     = var.event_maximum_concurrency >= 2 && var.event_maximum_concurrency <= 1000 && floor(var.event_maximum_concurrency) == var.event_maximum_concurrency
    error_message = "event_maximum_concurrency must be a whole number from 2 to 1000."
  }
}

variable "event_max_receive_count" {
  description = "How often a message may be received (and fail) before SQS moves it to the event dead-letter queue. The scheduled run still finds the file."
  type        = number
  default     = 5

  validation {
    condition     = var.event_max_receive_count >= 1 && var.event_max_receive_count <= 1000 && floor(var.event_max_receive_count) == var.event_max_receive_count
    error_message = "event_max_receive_count must be a whole number from 1 to 1000."
  }
}

variable "event_queue_visibility_timeout_seconds" {
  description = "Visibility timeout of the event queue. Null (default): 6 x timeout + event_batching_window_seconds, as AWS advises for a queue that triggers Lambda (a message must stay hidden while a run that took it may still be going, retries included)."
  type        = number
  default     = null

  validation {
    condition = var.event_queue_visibility_timeout_seconds == null ? true : (
      var.event_queue_visibility_timeout_seconds >= 6 * var.timeout + var.event_batching_window_seconds &&
      var.event_queue_visibility_timeout_seconds <= 43200
    )
    error_message = "event_queue_visibility_timeout_seconds must be at least 6 x timeout + event_batching_window_seconds and at most 43200 (SQS's limit), or null."
  }
}

variable "event_queue_age_alarm_seconds" {
  description = "The event-queue-age alarm fires when the oldest message has waited longer than this."
  type        = number
  default     = 3600

  validation {
    condition     = var.event_queue_age_alarm_seconds >= 60
    error_message = "event_queue_age_alarm_seconds must be at least 60."
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
