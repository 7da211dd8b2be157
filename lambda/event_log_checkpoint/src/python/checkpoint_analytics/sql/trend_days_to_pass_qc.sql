-- The twelve months to the report month, oldest first: visits whose first pass-qc is in the month, and
-- the median and p90 of whole UTC days from visit_date to it (empty in a month without one). A visit's
-- first pass-qc is its earliest among the events up to the report month's end. Months as in
-- trend_events_by_action.sql.
-- Percentiles: exact, interpolating linearly between order statistics (numpy's default), as the report's
-- Polars quantile(interpolation="linear") does and as days_to_submit_and_pass_qc_by_centre.sql does;
-- Athena's approx_percentile would be cheaper but approximate (and picks an order statistic rather than
-- interpolating), so it would not give the report's figures.
-- Same answer as checkpoint_analytics.trend.days_to_pass_qc. Placeholders: see README.md.
WITH trend_months AS (
    SELECT "month"
    FROM (VALUES {trend_months}) AS axis ("month")
),
first_pass_qc AS (
    SELECT visit_date, min("timestamp") AS first_pass_qc
    FROM {current_events}
    WHERE "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
      AND action = 'pass-qc'
    GROUP BY pipeline_adcid, ptid, visit_date, visit_number
),
reached AS (
    SELECT
        substr(CAST(CAST(first_pass_qc AT TIME ZONE 'UTC' AS date) AS varchar), 1, 7) AS "month",
        date_diff('day', visit_date, CAST(first_pass_qc AT TIME ZONE 'UTC' AS date)) AS days
    FROM first_pass_qc
    WHERE first_pass_qc >= CAST('{trend_start} UTC' AS timestamp with time zone)
),
ranked AS (
    SELECT
        "month",
        days,
        row_number() OVER (PARTITION BY "month" ORDER BY days) AS position,
        count(*) OVER (PARTITION BY "month") AS n
    FROM reached
),
stats AS (
    -- quantile q sits at 1-based position 1 + (n - 1) * q, between the rows floor and ceil of it
    SELECT
        "month",
        max(n) AS visits,
        max(CASE WHEN position = 1 + floor((n - 1) * 0.5e0) THEN days END) AS median_low,
        max(CASE WHEN position = 1 + ceil((n - 1) * 0.5e0) THEN days END) AS median_high,
        max((n - 1) * 0.5e0 - floor((n - 1) * 0.5e0)) AS median_fraction,
        max(CASE WHEN position = 1 + floor((n - 1) * 0.9e0) THEN days END) AS p90_low,
        max(CASE WHEN position = 1 + ceil((n - 1) * 0.9e0) THEN days END) AS p90_high,
        max((n - 1) * 0.9e0 - floor((n - 1) * 0.9e0)) AS p90_fraction
    FROM ranked
    GROUP BY "month"
)
SELECT
    m."month",
    coalesce(s.visits, 0) AS passed_qc,
    s.median_low + (s.median_high - s.median_low) * s.median_fraction AS pass_qc_median_days,
    s.p90_low + (s.p90_high - s.p90_low) * s.p90_fraction AS pass_qc_p90_days
FROM trend_months AS m
LEFT JOIN stats AS s ON s."month" = m."month"
ORDER BY m."month"
