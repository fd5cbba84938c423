-- description: The guide's query "Check connections" (as written in the guide, for bench comparison only)
-- source: Appendix C: Useful Commands — "Check connections"
-- Check connections
SELECT * FROM pg_stat_activity WHERE datname = 'your_database';
