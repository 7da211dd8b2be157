# Resources renamed since release 1.0.0, so that a plan over a 1.0.0 state moves them instead of
# destroying and creating them (UPGRADING.md). Every other 1.0.0 address is unchanged.

# The five alarms became one resource over local.alarms.
moved {
  from = aws_cloudwatch_metric_alarm.errors
  to   = aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.run_failed
  to   = aws_cloudwatch_metric_alarm.this["run_failed"]
}

moved {
  from = aws_cloudwatch_metric_alarm.duration
  to   = aws_cloudwatch_metric_alarm.this["duration"]
}

moved {
  from = aws_cloudwatch_metric_alarm.events_failed
  to   = aws_cloudwatch_metric_alarm.this["events_failed"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dead_letters
  to   = aws_cloudwatch_metric_alarm.this["dead_letters"]
}
