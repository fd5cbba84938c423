-- description: Close an incident: who closed it, when, and the summary they wrote
-- template: {incidents} is the schema-qualified table (console.core.state.state_sql)
-- params: closed_at, closed_by, summary, id
UPDATE {incidents}
SET closed_at = %(closed_at)s, closed_by = %(closed_by)s, summary = %(summary)s
WHERE id = %(id)s
