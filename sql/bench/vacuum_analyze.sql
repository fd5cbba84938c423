-- description: Fresh statistics after the bench has generated its history, as a maintained database would have
VACUUM ANALYZE
