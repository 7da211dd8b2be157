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
# -> one parquet per study and datatype; the Athena table's location: s3://submission-events/prod/checkpoints/
# -> failure record: s3://submission-events/prod/checkpoints_failures/events.json
studies           = ["adrc", "dvcid", "leads"]
include_sandbox   = false
fetch_concurrency = 64
list_concurrency  = 8
log_level         = "INFO"

# The function (3008 MB, 900 s, one run at a time). arm64 needs bin/package --arch arm64.
architecture                   = "x86_64"
memory_size                    = 3008
timeout                        = 900
reserved_concurrent_executions = 1

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
