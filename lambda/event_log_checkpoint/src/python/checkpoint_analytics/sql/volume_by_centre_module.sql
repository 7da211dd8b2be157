-- Events in the month per centre and module (null module: non-form data), total and per action.
-- Same answer as checkpoint_analytics.tables.volume_table. Placeholders: see README.md.
WITH month_rows AS (
    -- timestamp is part of an event's identity, so filtering before picking versions is safe
    SELECT *
    FROM {table}
    WHERE "timestamp" >= CAST('{month_start} UTC' AS timestamp with time zone)
      AND "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
),
current_events AS (
    SELECT *
    FROM (
        SELECT
            *,
            row_number() OVER (
                PARTITION BY pipeline_adcid, ptid, visit_date, action, "timestamp", datatype, module
                ORDER BY source_last_modified DESC, source_key DESC, source_etag DESC
            ) AS version_rank
        FROM month_rows
    ) AS versions
    WHERE version_rank = 1
)
SELECT
    center_label,
    module,
    count(*) AS events,
    count(*) FILTER (WHERE action = 'submit') AS submit,
    count(*) FILTER (WHERE action = 'pass-qc') AS pass_qc,
    count(*) FILTER (WHERE action = 'not-pass-qc') AS not_pass_qc,
    count(*) FILTER (WHERE action = 'delete') AS "delete"
FROM current_events
GROUP BY center_label, module
ORDER BY center_label, module NULLS LAST
