-- description: Every audit record in the order written, with its chain hashes, for `incident-console audit verify`
SELECT id, run_id, at, phase, action_id, operator, incident_id, detail, prev_hash, hash
FROM {audit_log}
ORDER BY id
