-- description: Take the action's session advisory lock without waiting (two keys: the console's namespace and the action id's crc32); false when another operator holds it
-- params: k1, k2
SELECT pg_try_advisory_lock(%(k1)s, %(k2)s) AS ok
