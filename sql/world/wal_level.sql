-- description: The server's wal_level: at `minimal`, rows written into a table emptied in the same transaction skip the WAL
SELECT current_setting('wal_level') AS wal_level
