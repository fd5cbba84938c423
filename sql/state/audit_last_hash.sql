-- description: The hash of the newest audit record, which the next record chains to (none yet: no row, or NULL for records older than the chain)
SELECT hash FROM {audit_log} ORDER BY id DESC LIMIT 1
