-- Per centre: visits whose first submit (first pass-qc) is in the month, with the median and p90 of
-- whole UTC days from visit_date to it. Percentiles interpolate linearly between order statistics
-- (numpy's default; exact, unlike approx_percentile). A visit's centre is its latest event's.
-- Same answer as checkpoint_analytics.tables.timing_table. Placeholders: see README.md.
WITH events_to_month_end AS (
    SELECT *
    FROM {current_events}
    WHERE "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
),
visit_rows AS (
    SELECT
        center_label,
        visit_date,
        row_number() OVER (
            PARTITION BY pipeline_adcid, ptid, visit_date, visit_number
            ORDER BY "timestamp" DESC, source_last_modified DESC, source_key DESC, source_etag DESC
        ) AS recency,
        min(CASE WHEN action = 'submit' THEN "timestamp" END)
            OVER (PARTITION BY pipeline_adcid, ptid, visit_date, visit_number) AS first_submit,
        min(CASE WHEN action = 'pass-qc' THEN "timestamp" END)
            OVER (PARTITION BY pipeline_adcid, ptid, visit_date, visit_number) AS first_pass_qc
    FROM events_to_month_end
),
visits AS (
    SELECT center_label, visit_date, first_submit, first_pass_qc
    FROM visit_rows
    WHERE recency = 1
),
milestones AS (
    SELECT
        center_label,
        'submit' AS milestone,
        date_diff('day', visit_date, CAST(first_submit AT TIME ZONE 'UTC' AS date)) AS days
    FROM visits
    WHERE first_submit >= CAST('{month_start} UTC' AS timestamp with time zone)
      AND first_submit < CAST('{month_end} UTC' AS timestamp with time zone)
    UNION ALL
    SELECT
        center_label,
        'pass_qc' AS milestone,
        date_diff('day', visit_date, CAST(first_pass_qc AT TIME ZONE 'UTC' AS date)) AS days
    FROM visits
    WHERE first_pass_qc >= CAST('{month_start} UTC' AS timestamp with time zone)
      AND first_pass_qc < CAST('{month_end} UTC' AS timestamp with time zone)
),
ranked AS (
    SELECT
        center_label,
        milestone,
        days,
        row_number() OVER (PARTITION BY center_label, milestone ORDER BY days) AS position,
        count(*) OVER (PARTITION BY center_label, milestone) AS n
    FROM milestones
),
stats AS (
    -- quantile q sits at 1-based position 1 + (n - 1) * q, between the rows floor and ceil of it
    SELECT
        center_label,
        milestone,
        max(n) AS visits,
        max(CASE WHEN position = 1 + floor((n - 1) * 0.5e0) THEN days END) AS median_low,
        max(CASE WHEN position = 1 + ceil((n - 1) * 0.5e0) THEN days END) AS median_high,
        max((n - 1) * 0.5e0 - floor((n - 1) * 0.5e0)) AS median_fraction,
        max(CASE WHEN position = 1 + floor((n - 1) * 0.9e0) THEN days END) AS p90_low,
        max(CASE WHEN position = 1 + ceil((n - 1) * 0.9e0) THEN days END) AS p90_high,
        max((n - 1) * 0.9e0 - floor((n - 1) * 0.9e0)) AS p90_fraction
    FROM ranked
    GROUP BY center_label, milestone
)
SELECT
    center_label,
    coalesce(max(CASE WHEN milestone = 'submit' THEN visits END), 0) AS submitted,
    max(CASE WHEN milestone = 'submit' THEN median_low + (median_high - median_low) * median_fraction END)
        AS submit_median_days,
    max(CASE WHEN milestone = 'submit' THEN p90_low + (p90_high - p90_low) * p90_fraction END) AS submit_p90_days,
    coalesce(max(CASE WHEN milestone = 'pass_qc' THEN visits END), 0) AS passed_qc,
    max(CASE WHEN milestone = 'pass_qc' THEN median_low + (median_high - median_low) * median_fraction END)
        AS pass_qc_median_days,
    max(CASE WHEN milestone = 'pass_qc' THEN p90_low + (p90_high - p90_low) * p90_fraction END) AS pass_qc_p90_days
FROM stats
GROUP BY center_label
ORDER BY center_label
