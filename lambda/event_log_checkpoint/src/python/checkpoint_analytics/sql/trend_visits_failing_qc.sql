-- The twelve months to the report month, oldest first: visits whose latest QC outcome (pass-qc or
-- not-pass-qc) at the month's last instant is not-pass-qc. Each not-pass-qc holds from its month until
-- the month of the visit's next QC event (latest = timestamp, then version order); a visit fails at a
-- month's end when one holds then. Comparing months as `YYYY-MM` text is comparing instants: an event is
-- at or before a month's last instant exactly when its month is that month or earlier.
-- Same answer as checkpoint_analytics.trend.visits_failing. Placeholders: see README.md.
WITH trend_months AS (
    SELECT "month"
    FROM (VALUES {trend_months}) AS axis ("month")
),
qc_events AS (
    SELECT
        action,
        "timestamp",
        lead("timestamp") OVER (
            PARTITION BY pipeline_adcid, ptid, visit_date, visit_number
            ORDER BY "timestamp", source_last_modified, source_key, source_etag
        ) AS next_qc
    FROM {current_events}
    WHERE "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
      AND action IN ('pass-qc', 'not-pass-qc')
),
failing_spans AS (
    SELECT
        substr(CAST(CAST("timestamp" AT TIME ZONE 'UTC' AS date) AS varchar), 1, 7) AS failing_from,
        substr(CAST(CAST(next_qc AT TIME ZONE 'UTC' AS date) AS varchar), 1, 7) AS failing_until
    FROM qc_events
    WHERE action = 'not-pass-qc'
),
per_month AS (
    SELECT m."month", count(*) AS visits_failing
    FROM trend_months AS m
    CROSS JOIN failing_spans AS s
    WHERE s.failing_from <= m."month" AND (s.failing_until IS NULL OR s.failing_until > m."month")
    GROUP BY m."month"
)
SELECT m."month", coalesce(p.visits_failing, 0) AS visits_failing
FROM trend_months AS m
LEFT JOIN per_month AS p ON p."month" = m."month"
ORDER BY m."month"
