-- description: Whether the incident state schema is there (its timeline table), checked before an incident is opened or resumed
-- params: table
SELECT to_regclass(%(table)s) IS NOT NULL AS ok
