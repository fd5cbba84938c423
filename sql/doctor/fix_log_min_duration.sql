-- description: Doctor's fix for log_min_duration_statement off or 0 (the guide's Appendix B value); a template for psycopg.sql, never run by the console
-- source: doctor (setting:log_min_duration_statement)
ALTER SYSTEM SET log_min_duration_statement = {value};
SELECT pg_reload_conf()
