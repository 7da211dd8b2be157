-- The month's headline figures beside the month before: events, visits (with an event in the month),
-- QC pass rate (events), median days to first pass-qc, visits failing QC at the month's end; `change`
-- is this month's minus last month's, empty when either is. All but visits are read from the trend
-- queries (the last two of their twelve months), each inlined by report_sql where its file's name
-- stands in braces, so the headline and the trend tables cannot disagree.
-- Same answer as checkpoint_analytics.headline.headline_table. Placeholders: see README.md.
WITH events_by_action AS (
{trend_events_by_action}
),
qc_pass_rate AS (
{trend_qc_pass_rate}
),
days_to_pass_qc AS (
{trend_days_to_pass_qc}
),
visits_failing AS (
{trend_visits_failing_qc}
),
month_visits AS (
    SELECT DISTINCT
        substr(CAST(CAST("timestamp" AT TIME ZONE 'UTC' AS date) AS varchar), 1, 7) AS "month",
        pipeline_adcid, ptid, visit_date, visit_number
    FROM {current_events}
    WHERE "timestamp" >= CAST('{previous_month_start} UTC' AS timestamp with time zone)
      AND "timestamp" < CAST('{month_end} UTC' AS timestamp with time zone)
),
visits AS (
    SELECT a."month", count(v."month") AS visits
    FROM events_by_action AS a
    LEFT JOIN month_visits AS v ON v."month" = a."month"
    GROUP BY a."month"
),
figures AS (
    SELECT 1 AS figure_order, 'events' AS figure, "month", CAST(events AS double) AS figure_value
    FROM events_by_action
    UNION ALL
    SELECT 2, 'visits', "month", CAST(visits AS double) FROM visits
    UNION ALL
    SELECT 3, 'QC pass rate', "month", pass_rate FROM qc_pass_rate
    UNION ALL
    SELECT 4, 'median days to pass-qc', "month", pass_qc_median_days FROM days_to_pass_qc
    UNION ALL
    SELECT 5, 'visits failing QC', "month", CAST(visits_failing AS double) FROM visits_failing
),
two_months AS (
    SELECT
        figure_order,
        figure,
        max(CASE WHEN "month" = '{month}' THEN figure_value END) AS this_month,
        max(CASE WHEN "month" = '{previous_month}' THEN figure_value END) AS last_month
    FROM figures
    GROUP BY figure_order, figure
)
SELECT figure, this_month, last_month, this_month - last_month AS "change"
FROM two_months
ORDER BY figure_order
