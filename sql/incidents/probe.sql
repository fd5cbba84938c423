-- description: A notification to ourselves: heard back, LISTEN works on this connection; not heard (a transaction-mode pooler), followers poll instead
-- params: payload
SELECT pg_notify('incident_console', %(payload)s)
