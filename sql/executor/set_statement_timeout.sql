-- description: Set the session's statement_timeout (not local to a transaction: CREATE INDEX CONCURRENTLY runs outside one)
-- params: value
SELECT set_config('statement_timeout', %(value)s, false) AS t
