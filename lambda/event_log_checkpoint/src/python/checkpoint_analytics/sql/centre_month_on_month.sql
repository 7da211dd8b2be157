-- Per centre with events in the month or the month before: events and QC pass rate (pass-qc over
-- pass-qc and not-pass-qc events) in each, and this month's minus last month's (the rate's change is
-- empty when either month had no QC outcome for the centre).
-- Same answer as checkpoint_analytics.change.centre_change. Placeholders: see README.md.
WITH two_months AS (
    SELECT
        center_label,
        action,
        "timestamp" >= CAST('{month_start} UTC' AS timestamp with time zone) AS this_month
    FROM {current_events}
    WHERE "timestamp" >= CAST('{previous_month_start} UTC' AS timestamp with time zone)
      AND "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
),
figures AS (
    SELECT
        center_label,
        count(*) FILTER (WHERE this_month) AS events,
        count(*) FILTER (WHERE NOT this_month) AS events_last_month,
        CAST(count(*) FILTER (WHERE this_month AND action = 'pass-qc') AS double)
            / nullif(count(*) FILTER (WHERE this_month AND action IN ('pass-qc', 'not-pass-qc')), 0) AS pass_rate,
        CAST(count(*) FILTER (WHERE NOT this_month AND action = 'pass-qc') AS double)
            / nullif(count(*) FILTER (WHERE NOT this_month AND action IN ('pass-qc', 'not-pass-qc')), 0)
            AS pass_rate_last_month
    FROM two_months
    GROUP BY center_label
)
SELECT
    center_label,
    events,
    events_last_month,
    events - events_last_month AS events_change,
    pass_rate,
    pass_rate_last_month,
    pass_rate - pass_rate_last_month AS pass_rate_change
FROM figures
ORDER BY center_label NULLS LAST
