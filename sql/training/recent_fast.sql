-- description: Resolve check: the last few seconds' processed events and their average processing time in seconds
-- params: seconds
SELECT count(*) AS processed,
       avg(extract(epoch FROM processed_at - created_at))::float8 AS avg_seconds
FROM webhook_events
WHERE processed_at IS NOT NULL
  AND created_at > now() - %(seconds)s * interval '1 second'
