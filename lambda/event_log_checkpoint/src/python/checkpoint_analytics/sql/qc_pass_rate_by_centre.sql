-- Per centre with QC events in the month: pass-qc / (pass-qc + not-pass-qc) over events, and over
-- visits by each visit's latest QC outcome in the month (the visit counts for that row's centre).
-- Same answer as checkpoint_analytics.tables.qc_table. Placeholders: see README.md.
WITH qc_events AS (
    SELECT *
    FROM {current_events}
    WHERE "timestamp" >= CAST('{month_start} UTC' AS timestamp with time zone)
      AND "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
      AND action IN ('pass-qc', 'not-pass-qc')
),
latest_outcomes AS (
    SELECT center_label, action
    FROM (
        SELECT
            center_label,
            action,
            row_number() OVER (
                PARTITION BY pipeline_adcid, ptid, visit_date, visit_number
                ORDER BY "timestamp" DESC, source_last_modified DESC, source_key DESC, source_etag DESC
            ) AS recency
        FROM qc_events
    ) AS ranked
    WHERE recency = 1
),
by_event AS (
    SELECT
        center_label,
        count(*) FILTER (WHERE action = 'pass-qc') AS pass_qc,
        count(*) FILTER (WHERE action = 'not-pass-qc') AS not_pass_qc
    FROM qc_events
    GROUP BY center_label
),
by_visit AS (
    SELECT
        center_label,
        count(*) FILTER (WHERE action = 'pass-qc') AS visits_pass_qc,
        count(*) FILTER (WHERE action = 'not-pass-qc') AS visits_not_pass_qc
    FROM latest_outcomes
    GROUP BY center_label
)
SELECT
    e.center_label,
    e.pass_qc,
    e.not_pass_qc,
    CAST(e.pass_qc AS double) / (e.pass_qc + e.not_pass_qc) AS pass_rate,
    coalesce(v.visits_pass_qc, 0) AS visits_pass_qc,
    coalesce(v.visits_not_pass_qc, 0) AS visits_not_pass_qc,
    CAST(v.visits_pass_qc AS double) / nullif(v.visits_pass_qc + v.visits_not_pass_qc, 0) AS visit_pass_rate
FROM by_event AS e
LEFT JOIN by_visit AS v ON e.center_label = v.center_label
ORDER BY e.center_label
