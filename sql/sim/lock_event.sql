-- description: Serialise the deliveries of one event id for the rest of the transaction (a transaction-scoped advisory lock)
-- params: key
SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))
