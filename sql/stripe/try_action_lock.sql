-- description: Take the session advisory lock of a recovery action (the redelivery of Stripe events), so a second operator starting it is refused and told who holds it; false when someone else holds it
-- params: k1, k2
SELECT pg_try_advisory_lock(%(k1)s, %(k2)s) AS ok
