-- description: Who and where the console is: server version, role, database, session guards
-- source: doctor (reachability and server version)
SELECT
    current_setting('server_version') AS server_version,
    current_setting('server_version_num')::int AS server_version_num,
    current_user AS role,
    current_database() AS database,
    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
    pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
    current_setting('default_transaction_read_only') AS default_read_only,
    to_regnamespace('incident_console') IS NOT NULL AS state_schema
