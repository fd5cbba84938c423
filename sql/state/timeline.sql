-- description: One incident's timeline entries in the order they happened
-- template: {timeline} is the schema-qualified table (console.core.state.state_sql)
-- params: incident_id
SELECT * FROM {timeline} WHERE incident_id = %(incident_id)s ORDER BY at, id
