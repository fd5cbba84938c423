-- Included (\ir) as the SELECT list's end, FROM and WHERE of the unprocessed backlog's
-- summaries: live/unprocessed_summary (per minute) and live/unprocessed_before (the old
-- history). Their groups are added together, so both count, judge retryable and bound
-- [since, until) the same way; each adds its own GROUP BY.
    event_type,
    error_message,
    count(*) AS events,
    count(*) FILTER (WHERE coalesce(retry_count, 0) < %(retry_limit)s) AS retryable,
    min(created_at)::timestamptz AS first_at,
    max(created_at)::timestamptz AS last_at
FROM webhook_events
WHERE processed_at IS NULL
  AND created_at >= %(since)s
  AND created_at < %(until)s
