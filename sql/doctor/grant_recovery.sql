-- description: The GRANTs a recovery role adds to the monitoring ones: the rows the recovery actions change, and signalling backends; a template for psycopg.sql, never run by the console (the unique-index build needs the table's owner)
-- source: doctor (role)
GRANT UPDATE, DELETE ON {webhook_events} TO {role};
GRANT UPDATE ON {orders} TO {role};
GRANT INSERT ON {payments} TO {role};
GRANT pg_signal_backend TO {role}
