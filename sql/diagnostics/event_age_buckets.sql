-- description: Events of the window bucketed by age (bounds in seconds), with how many in each bucket are still unprocessed or failed: a backlog shows as unprocessed rows in the old buckets
-- source: implied by Issue 2 (event age distribution)
-- params: bounds, window
-- defaults: {"bounds": [60, 300, 900, 3600], "window": "24 hours"}
WITH aged AS (
    SELECT
        width_bucket(
            extract(epoch FROM (now() - created_at))::float8, %(bounds)s::float8[]
        ) AS bucket,
        processed_at,
        error_message
    FROM webhook_events
    WHERE created_at > now() - %(window)s::interval
)
SELECT
    bucket,
    (%(bounds)s::float8[])[bucket] AS min_age_seconds,
    (%(bounds)s::float8[])[bucket + 1] AS max_age_seconds,
    count(*) AS events,
    count(*) FILTER (WHERE processed_at IS NULL AND error_message IS NULL) AS unprocessed,
    count(*) FILTER (WHERE error_message IS NOT NULL) AS failed
FROM aged
GROUP BY bucket
ORDER BY bucket
