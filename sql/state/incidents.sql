-- description: Every incident in the state database, oldest first (the open ones are resumed from here)
-- template: {incidents} is the schema-qualified table (console.core.state.state_sql)
SELECT * FROM {incidents} ORDER BY opened_at
