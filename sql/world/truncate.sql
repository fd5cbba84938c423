-- description: Give the (checked empty, locked) tables new files for the load, so at wal_level minimal their rows skip the WAL ({tables}: identifiers via psycopg.sql)
-- No CASCADE: a table outside the list that references these makes it fail, and the load
-- then simply writes the WAL.
TRUNCATE {tables}
