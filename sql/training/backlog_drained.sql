-- description: Resolve check: accepted events (no error) still waiting after more than a few seconds (0 = the backlog is drained)
-- params: seconds
SELECT count(*) AS n
FROM webhook_events
WHERE processed_at IS NULL
  AND error_message IS NULL
  AND created_at < now() - %(seconds)s * interval '1 second'
