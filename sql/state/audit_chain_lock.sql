-- description: Serialise appends to the audit log's hash chain (two consoles must not both chain to the same last record); held until the transaction ends
SELECT pg_advisory_xact_lock(hashtext('incident_console.audit_log.chain'))
