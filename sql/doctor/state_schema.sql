-- description: Whether the console's own state schema, when it is here, is the one this version writes (the audit chain's columns, saved plans, live sharing): an older one makes the audit fall back to the local file until `init` upgrades it
-- source: doctor (state_schema)
SELECT
    to_regclass('incident_console.audit_log') IS NOT NULL AS present,
    EXISTS (
        SELECT 1 FROM pg_attribute
        WHERE attrelid = to_regclass('incident_console.audit_log')
          AND attname = 'hash' AND NOT attisdropped
    ) AS audit_chained,
    to_regclass('incident_console.saved_plans') IS NOT NULL AS saved_plans,
    to_regclass('incident_console.presence') IS NOT NULL AS live_sharing
