-- Events in the month per centre and module (null module: non-form data), total and per action.
-- Same answer as checkpoint_analytics.tables.volume_table. Placeholders: see README.md.
WITH month_events AS (
    SELECT *
    FROM {current_events}
    WHERE "timestamp" >= CAST('{month_start} UTC' AS timestamp with time zone)
      AND "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
)
SELECT
    center_label,
    module,
    count(*) AS events,
    count(*) FILTER (WHERE action = 'submit') AS submit,
    count(*) FILTER (WHERE action = 'pass-qc') AS pass_qc,
    count(*) FILTER (WHERE action = 'not-pass-qc') AS not_pass_qc,
    count(*) FILTER (WHERE action = 'delete') AS "delete"
FROM month_events
GROUP BY center_label, module
ORDER BY center_label, module NULLS LAST
