-- description: PgBouncer's admin console: its configuration, for the global pool_mode
-- source: doctor (pooler)
SHOW CONFIG
