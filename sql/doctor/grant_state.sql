-- description: The GRANTs on the console's own state schema (incidents, timeline, audit log) that both roles need when it exists; a template for psycopg.sql, never run by the console
-- source: doctor (role)
GRANT USAGE ON SCHEMA incident_console TO {role};
GRANT SELECT, INSERT, UPDATE ON incident_console.incidents, incident_console.timeline TO {role};
GRANT SELECT, INSERT ON incident_console.audit_log TO {role}
