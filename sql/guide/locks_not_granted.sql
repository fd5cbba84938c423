-- description: The guide's query "Check locks" (as written in the guide, for bench comparison only)
-- source: Appendix C: Useful Commands — "Check locks"
-- Check locks
SELECT * FROM pg_locks WHERE NOT granted;
