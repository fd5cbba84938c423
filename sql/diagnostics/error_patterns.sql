-- description: Error messages by frequency with their last occurrence, over the window (24 h in the guide)
-- source: Diagnostic Tools / 2. Database Queries — "Check error patterns"
-- params: window
-- defaults: {"window": "24 hours"}
SELECT
    error_message,
    count(*) AS error_count,
    max(created_at) AS last_occurrence
FROM webhook_events
WHERE error_message IS NOT NULL
    AND created_at > now() - %(window)s::interval
GROUP BY error_message
ORDER BY error_count DESC, error_message
