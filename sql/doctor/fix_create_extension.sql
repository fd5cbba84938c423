-- description: Doctor's fix for pg_stat_statements preloaded but not installed here; never run by the console
-- source: doctor (pg_stat_statements)
CREATE EXTENSION pg_stat_statements
