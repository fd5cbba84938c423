-- description: Move the previewed stuck 'pending' orders to 'pending_payment' (a transition the guide's state machine allows) and stamp updated_at. The guide's Data Recovery copy forgets updated_at, so the order looks stuck again at once; both copies also moved orders touched a minute ago (only created_at was checked) — updated_at must be old too
-- source: Issue 6, Solution 2 "Fix Stuck Orders" and Data Recovery "Fix orders stuck in pending states"
-- key: id
-- params: ids, age
-- defaults: {"age": "1 hour"}
UPDATE orders AS o
SET state = 'pending_payment',
    updated_at = now()
WHERE o.id = ANY(%(ids)s)
    AND o.state = 'pending'
    AND o.created_at < now() - %(age)s::interval
    AND o.updated_at < now() - %(age)s::interval
    AND o.stripe_payment_intent_id IS NULL
RETURNING o.id, o.state
