-- description: Add one timeline entry (idempotent by its client-made id, so a record pushed again from the local fallback is not doubled)
-- template: {timeline} is the schema-qualified table (console.core.state.state_sql)
-- params: id, incident_id, at, kind, author, text, data
INSERT INTO {timeline} (id, incident_id, at, kind, author, text, data)
VALUES (%(id)s, %(incident_id)s, %(at)s, %(kind)s, %(author)s, %(text)s, %(data)s::jsonb)
ON CONFLICT (id) DO NOTHING
