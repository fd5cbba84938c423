-- description: Hand an incident over to a new incident commander
-- template: {incidents} is the schema-qualified table (console.core.state.state_sql)
-- params: commander, id
UPDATE {incidents} SET commander = %(commander)s WHERE id = %(id)s
