-- description: Store an incident (idempotent by its client-made id, so a record pushed again from the local fallback is not doubled)
-- template: {incidents} is the schema-qualified table, {cols} and {marks} the column list and its placeholders (console.core.state.state_sql)
INSERT INTO {incidents} ({cols}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING
