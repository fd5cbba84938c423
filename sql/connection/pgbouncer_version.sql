-- description: PgBouncer's admin console: its version (only on the pgbouncer database)
-- source: doctor (pooler)
SHOW VERSION
