-- description: The GRANTs on the console's own state schema (incidents, timeline, audit log, saved plans, live sharing) that both roles need when it exists; a template for psycopg.sql, never run by the console
-- source: doctor (role)
GRANT USAGE ON SCHEMA incident_console TO {role};
GRANT SELECT, INSERT, UPDATE ON incident_console.incidents, incident_console.timeline TO {role};
GRANT SELECT, INSERT ON incident_console.audit_log, incident_console.saved_plans TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON incident_console.presence, incident_console.members, incident_console.step_claims, incident_console.approvals TO {role};
GRANT USAGE ON SEQUENCE incident_console.timeline_seq TO {role}
