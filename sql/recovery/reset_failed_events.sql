-- description: Reset the previewed failed events for retry (clear the error, count the retry); matched by row id, not by event_id — the guide's `WHERE event_id IN (…)` also reset the processed copies of a duplicated event, so a finished payment ran again
-- source: Recovery Procedures / 2. Data Recovery — "Reset failed events for retry"
-- params: max_retries, window, ids
-- defaults: {"max_retries": 3, "window": "24 hours"}
UPDATE webhook_events AS w
SET error_message = NULL,
    retry_count = w.retry_count + 1
WHERE w.id = ANY(%(ids)s)
    AND w.processed_at IS NULL
    AND w.error_message IS NOT NULL
    AND w.retry_count < %(max_retries)s
    AND w.created_at > now() - %(window)s::interval
    AND NOT EXISTS (
        SELECT 1 FROM webhook_events AS d
        WHERE d.event_id = w.event_id AND d.processed_at IS NOT NULL
    )
RETURNING w.id
