-- Visits whose latest QC outcome (pass-qc or not-pass-qc) up to the month's end is not-pass-qc.
-- Same answer as checkpoint_analytics.tables.failing_table. Placeholders: see README.md.
WITH qc_events AS (
    SELECT *
    FROM {current_events}
    WHERE "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
      AND action IN ('pass-qc', 'not-pass-qc')
),
latest_outcomes AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY pipeline_adcid, ptid, visit_date, visit_number
            ORDER BY "timestamp" DESC, source_last_modified DESC, source_key DESC, source_etag DESC
        ) AS recency
    FROM qc_events
)
SELECT
    center_label,
    pipeline_adcid,
    ptid,
    visit_date,
    visit_number,
    datatype,
    module,
    packet,
    "timestamp" AS failing_since
FROM latest_outcomes
WHERE recency = 1 AND action = 'not-pass-qc'
ORDER BY center_label, failing_since, pipeline_adcid, ptid, visit_date, visit_number NULLS LAST
