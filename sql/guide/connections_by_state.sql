-- description: The guide's query "Check active connections" (as written in the guide, for bench comparison only)
-- source: Issue 4: Database Connection Issues — "Check active connections"
-- Check active connections
SELECT 
    state,
    COUNT(*) as connection_count
FROM pg_stat_activity
WHERE datname = 'your_database_name'
GROUP BY state;
