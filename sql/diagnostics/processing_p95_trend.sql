-- description: 95th-percentile processing seconds of the recent window against the baseline window before it, and their ratio (the P2 "performance degradation" rule: recent p95 over twice the baseline)
-- source: Quick Reference P2 "Performance degradation"; Monitoring "95th percentile processing time"
-- params: recent, baseline
-- defaults: {"recent": "15 minutes", "baseline": "24 hours"}
WITH timed AS (
    SELECT
        created_at > now() - %(recent)s::interval AS is_recent,
        extract(epoch FROM (processed_at - created_at))::float8 AS seconds
    FROM webhook_events
    WHERE processed_at IS NOT NULL
        AND created_at > now() - %(recent)s::interval - %(baseline)s::interval
),
p95 AS (
    SELECT
        percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds)
            FILTER (WHERE is_recent) AS recent_p95_seconds,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds)
            FILTER (WHERE NOT is_recent) AS baseline_p95_seconds,
        count(*) FILTER (WHERE is_recent) AS recent_events,
        count(*) FILTER (WHERE NOT is_recent) AS baseline_events
    FROM timed
)
SELECT
    recent_p95_seconds,
    baseline_p95_seconds,
    recent_events,
    baseline_events,
    (recent_p95_seconds / nullif(baseline_p95_seconds, 0))::float8 AS ratio
FROM p95
