-- description: The guide's query "Check for failed signature validations" (as written in the guide, for bench comparison only)
-- source: Advanced Troubleshooting / 2. Security Issues — "Check for failed signature validations"
-- Check for failed signature validations
SELECT 
    COUNT(*) as failed_signatures
FROM webhook_events
WHERE error_message LIKE '%signature%'
    AND created_at > NOW() - INTERVAL '1 hour';
