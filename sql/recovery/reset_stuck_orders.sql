-- description: Move the previewed stuck orders from 'pending' to 'pending_payment' (a transition the guide's state machine allows); the guide judged by created_at only, so an old order updated a minute ago — being worked on right now — was reset too
-- source: Issue 6 Solution 2 and Data Recovery — "Fix orders stuck in pending states"
-- params: age, ids
-- defaults: {"age": "1 hour"}
UPDATE orders AS o
SET state = 'pending_payment',
    updated_at = now()
WHERE o.id = ANY(%(ids)s)
    AND o.state = 'pending'
    AND o.stripe_payment_intent_id IS NULL
    AND o.created_at < now() - %(age)s::interval
    AND o.updated_at < now() - %(age)s::interval
RETURNING o.id
