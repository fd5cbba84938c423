-- description: Signature rejections in the window; the pattern is a parameter and matched case-insensitively (the guide's LIKE '%signature%' misses 'Signature verification failed')
-- source: Advanced Troubleshooting / 2. Security Issues — "Check for failed signature validations"
-- params: pattern, window
-- defaults: {"pattern": "%signature%", "window": "1 hour"}
SELECT
    count(*) AS failed_signatures,
    max(created_at) AS last_occurrence
FROM webhook_events
WHERE error_message ILIKE %(pattern)s
    AND created_at > now() - %(window)s::interval
