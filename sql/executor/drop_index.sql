-- description: Drop the invalid index a failed CONCURRENTLY build left behind, without blocking writers; {index} is a schema-qualified identifier composed by psycopg.sql
DROP INDEX CONCURRENTLY IF EXISTS {index}
