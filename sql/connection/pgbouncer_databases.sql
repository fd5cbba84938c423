-- description: PgBouncer's admin console: each database with its pool_mode (empty: the global one)
-- source: doctor (pooler)
SHOW DATABASES
