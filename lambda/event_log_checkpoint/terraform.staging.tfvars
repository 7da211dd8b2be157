# The staging deployment: bin/deploy staging plan|apply (terraform -var-file=terraform.staging.tfvars, state
# per backend/staging.s3.tfbackend). Every variable, its default and its rules: variables.tf.
# artifact_bucket, alarm_sns_topic_arn and athena_results_location name existing resources of your
# account: check them before the first deploy (DEPLOY.md, "First deployment").

environment = "staging"
region      = "us-east-1"

# What the function reads and writes (its environment; a payload can override them per run).
# Staging rehearses prod: the same log (read only: its role may write only under staging/), its
# own checkpoints, run the day before prod's Friday run.
source_bucket           = "submission-events"
source_prefix           = "prod/"
checkpoint_bucket       = "submission-events"
checkpoint_key_template = "staging/checkpoints/{study}/{datatype}/events.parquet"
# -> one parquet per study and datatype; the Athena table reads every object under
#    s3://submission-events/staging/checkpoints/, so a new study or datatype shows at once
# -> failure record: s3://submission-events/staging/checkpoints_failures/events.json
include_sandbox   = false
restore_archived  = "off"
fetch_concurrency = 64
list_concurrency  = 8
log_level         = "INFO"

# The function (3008 MB, 900 s). arm64 needs bin/package --arch arm64. Concurrency is derived:
# one run at a time, or with the event path event_maximum_concurrency + 1.
architecture = "x86_64"
memory_size  = 3008
timeout      = 900

# Event-driven ingestion: S3 "Object Created" via EventBridge -> SQS -> live (DEPLOY.md). It needs
# EventBridge notifications on submission-events, turned on by the bucket's owner.
# On in staging: prod's own traffic on the event path, with the weekly run as the backstop
# that reports what the events missed (FilesMissedByEvents), before prod turns it on.
event_ingestion               = true
event_source                  = "eventbridge"
event_batch_size              = 500
event_batching_window_seconds = 60
event_maximum_concurrency     = 2
event_max_receive_count       = 5

# Where bin/package's zips are uploaded (under lambda-artifacts/event-log-checkpoint-staging/).
artifact_bucket     = "nacc-deploy-artifacts"
artifact_key_prefix = "lambda-artifacts/"

# Schedule (EventBridge Scheduler, targets the live alias).
schedule_expression     = "cron(0 10 ? * THU *)"
schedule_timezone       = "UTC"
schedule_enabled        = true
schedule_retry_attempts = 3

# Alarms (their metrics' service dimension: event-log-checkpoint-staging).
alarm_sns_topic_arn           = "arn:aws:sns:us-east-1:123456789012:event-log-checkpoint-alerts-staging"
events_failed_alarm_threshold = 0
log_retention_days            = 30

# Athena.
athena_results_location = "s3://nacc-athena-results/event-log-checkpoint-staging/"
