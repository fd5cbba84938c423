-- description: Release the action's session advisory lock taken by try_action_lock
-- params: k1, k2
SELECT pg_advisory_unlock(%(k1)s, %(k2)s) AS released
