-- Events in the month per centre, datatype and module (only form data has a module), total and per action.
-- Same answer as checkpoint_analytics.tables.volume_table. Placeholders: see README.md.
WITH month_events AS (
    SELECT *
    FROM {current_events}
    WHERE "timestamp" >= CAST('{month_start} UTC' AS timestamp with time zone)
      AND "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
)
SELECT
    center_label,
    datatype,
    module,
    count(*) AS events,
    count(*) FILTER (WHERE action = 'submit') AS submit,
    count(*) FILTER (WHERE action = 'pass-qc') AS pass_qc,
    count(*) FILTER (WHERE action = 'not-pass-qc') AS not_pass_qc,
    count(*) FILTER (WHERE action = 'delete') AS "delete"
FROM month_events
GROUP BY center_label, datatype, module
ORDER BY center_label, datatype, module NULLS LAST
