-- current_events: one row per event identity (pipeline_adcid, ptid, visit_date, action,
-- timestamp, datatype, module), its latest version winning: the greatest source_last_modified,
-- then source_key, then source_etag. The same rule as checkpoint_analytics.versions.current_events.
-- Placeholder: {table}, the checkpoint table (Glue table, or read_parquet(...) in DuckDB).
SELECT
    action, study, pipeline_adcid, project_label, center_label, gear_name, ptid, visit_date,
    visit_number, datatype, module, packet, "timestamp", source_key, source_etag, source_last_modified
FROM (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY pipeline_adcid, ptid, visit_date, action, "timestamp", datatype, module
            ORDER BY source_last_modified DESC, source_key DESC, source_etag DESC
        ) AS version_rank
    FROM {table}
) AS versions
WHERE version_rank = 1
