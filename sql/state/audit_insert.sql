-- description: One audit record of a recovery action (intent before anything is written, outcome after), chained to the one before by prev_hash; {audit_log} is the console state schema's table, composed by psycopg.sql
-- params: run_id, at, phase, action_id, operator, incident_id, detail, prev_hash, hash
INSERT INTO {audit_log} (run_id, at, phase, action_id, operator, incident_id, detail,
    prev_hash, hash)
VALUES (%(run_id)s, %(at)s, %(phase)s, %(action_id)s, %(operator)s, %(incident_id)s,
    %(detail)s::jsonb, %(prev_hash)s, %(hash)s)
