-- The twelve months to the report month, oldest first: events per UTC month, in total and per action.
-- A month without events is a row of zeros. A month is `YYYY-MM`, the first seven characters of the
-- timestamp's UTC date (the same text in Athena and DuckDB, where date_format and strftime differ).
-- Same answer as checkpoint_analytics.trend.events_by_action. Placeholders: see README.md.
WITH trend_months AS (
    SELECT "month"
    FROM (VALUES {trend_months}) AS axis ("month")
),
window_events AS (
    SELECT action, substr(CAST(CAST("timestamp" AT TIME ZONE 'UTC' AS date) AS varchar), 1, 7) AS "month"
    FROM {current_events}
    WHERE "timestamp" >= CAST('{trend_start} UTC' AS timestamp with time zone)
      AND "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
),
per_month AS (
    SELECT
        "month",
        count(*) AS events,
        count(*) FILTER (WHERE action = 'submit') AS submit,
        count(*) FILTER (WHERE action = 'pass-qc') AS pass_qc,
        count(*) FILTER (WHERE action = 'not-pass-qc') AS not_pass_qc,
        count(*) FILTER (WHERE action = 'delete') AS "delete"
    FROM window_events
    GROUP BY "month"
)
SELECT
    m."month",
    coalesce(p.events, 0) AS events,
    coalesce(p.submit, 0) AS submit,
    coalesce(p.pass_qc, 0) AS pass_qc,
    coalesce(p.not_pass_qc, 0) AS not_pass_qc,
    coalesce(p."delete", 0) AS "delete"
FROM trend_months AS m
LEFT JOIN per_month AS p ON p."month" = m."month"
ORDER BY m."month"
