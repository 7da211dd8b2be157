-- The twelve months to the report month, oldest first: pass-qc / (pass-qc + not-pass-qc) over the
-- month's QC events, and over visits by each visit's latest QC outcome in that month. A month without
-- QC events has zero counts and empty rates. Months as in trend_events_by_action.sql.
-- Same answer as checkpoint_analytics.trend.qc_pass_rate. Placeholders: see README.md.
WITH trend_months AS (
    SELECT "month"
    FROM (VALUES {trend_months}) AS axis ("month")
),
qc_events AS (
    SELECT
        pipeline_adcid, ptid, visit_date, visit_number, action,
        "timestamp", source_last_modified, source_key, source_etag,
        substr(CAST(CAST("timestamp" AT TIME ZONE 'UTC' AS date) AS varchar), 1, 7) AS "month"
    FROM {current_events}
    WHERE "timestamp" >= CAST('{trend_start} UTC' AS timestamp with time zone)
      AND "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
      AND action IN ('pass-qc', 'not-pass-qc')
),
latest_outcomes AS (
    SELECT "month", action
    FROM (
        SELECT
            "month",
            action,
            row_number() OVER (
                PARTITION BY "month", pipeline_adcid, ptid, visit_date, visit_number
                ORDER BY "timestamp" DESC, source_last_modified DESC, source_key DESC, source_etag DESC
            ) AS recency
        FROM qc_events
    ) AS ranked
    WHERE recency = 1
),
by_event AS (
    SELECT
        "month",
        count(*) FILTER (WHERE action = 'pass-qc') AS pass_qc,
        count(*) FILTER (WHERE action = 'not-pass-qc') AS not_pass_qc
    FROM qc_events
    GROUP BY "month"
),
by_visit AS (
    SELECT
        "month",
        count(*) FILTER (WHERE action = 'pass-qc') AS visits_pass_qc,
        count(*) FILTER (WHERE action = 'not-pass-qc') AS visits_not_pass_qc
    FROM latest_outcomes
    GROUP BY "month"
)
SELECT
    m."month",
    coalesce(e.pass_qc, 0) AS pass_qc,
    coalesce(e.not_pass_qc, 0) AS not_pass_qc,
    CAST(e.pass_qc AS double) / nullif(e.pass_qc + e.not_pass_qc, 0) AS pass_rate,
    coalesce(v.visits_pass_qc, 0) AS visits_pass_qc,
    coalesce(v.visits_not_pass_qc, 0) AS visits_not_pass_qc,
    CAST(v.visits_pass_qc AS double) / nullif(v.visits_pass_qc + v.visits_not_pass_qc, 0) AS visit_pass_rate
FROM trend_months AS m
LEFT JOIN by_event AS e ON e."month" = m."month"
LEFT JOIN by_visit AS v ON v."month" = m."month"
ORDER BY m."month"
