# The prod deployment: bin/deploy prod plan|apply (terraform -var-file=terraform.prod.tfvars, state
# per backend/prod.s3.tfbackend). Every variable, its default and its rules: variables.tf.
# artifact_bucket, alarm_sns_topic_arn and athena_results_location name existing resources of your
# account: check them before the first deploy (DEPLOY.md, "First deployment").

environment = "prod"
region      = "us-east-1"

# What the function reads and writes (its environment; a payload can override them per run).
source_bucket           = "submission-events"
source_prefix           = "prod/"
checkpoint_bucket       = "submission-events"
checkpoint_key_template = "prod/checkpoints/{study}/{datatype}/events.parquet"
# -> one parquet per study and datatype; the Athena table reads every object under
#    s3://submission-events/prod/checkpoints/, so a new study or datatype shows at once
# -> failure record: s3://submission-events/prod/checkpoints_failures/events.json
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
# Off in prod until staging has shown a few weekly backstops with FilesMissedByEvents at 0;
# then true here (and the schedule may move to daily, the backstop's default).
event_ingestion               = false
event_source                  = "eventbridge"
event_batch_size              = 500
event_batching_window_seconds = 60
event_maximum_concurrency     = 2
event_max_receive_count       = 5

# Where bin/package's zips are uploaded (under lambda-artifacts/event-log-checkpoint-prod/).
artifact_bucket     = "nacc-deploy-artifacts"
artifact_key_prefix = "lambda-artifacts/"

# Schedule (EventBridge Scheduler, targets the live alias).
schedule_expression     = "cron(0 10 ? * FRI *)"
schedule_timezone       = "UTC"
schedule_enabled        = true
schedule_retry_attempts = 3

# Alarms (their metrics' service dimension: event-log-checkpoint-prod).
alarm_sns_topic_arn           = "arn:aws:sns:us-east-1:123456789012:event-log-checkpoint-alerts-prod"
events_failed_alarm_threshold = 0
log_retention_days            = 30

# Athena.
athena_results_location = "s3://nacc-athena-results/event-log-checkpoint-prod/"
