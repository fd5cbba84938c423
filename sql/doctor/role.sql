-- description: What the console's role is: superuser, bypasses row-level security, and which predefined monitoring roles it has
-- source: doctor (role, row_level_security)
SELECT
    current_user AS role,
    r.rolsuper AS superuser,
    r.rolbypassrls AS bypass_rls,
    pg_has_role(current_user, 'pg_monitor', 'USAGE') AS monitor,
    pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
    pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') AS read_all_settings,
    pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS signal_backend,
    current_setting('TimeZone') AS time_zone,
    to_regclass('incident_console.audit_log') IS NOT NULL AS state_schema,
    coalesce(
        has_table_privilege(to_regclass('incident_console.audit_log'), 'INSERT'), false
    ) AS can_audit
FROM pg_roles AS r
WHERE r.rolname = current_user
