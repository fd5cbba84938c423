-- description: The guide's query "Check error patterns" (as written in the guide, for bench comparison only)
-- source: Diagnostic Tools / 2. Database Queries — "Check error patterns"
-- Check error patterns
SELECT 
    error_message,
    COUNT(*) as error_count,
    MAX(created_at) as last_occurrence
FROM webhook_events
WHERE error_message IS NOT NULL
    AND created_at > NOW() - INTERVAL '24 hours'
GROUP BY error_message
ORDER BY error_count DESC;
