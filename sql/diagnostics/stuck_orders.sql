-- description: Orders in waiting states not updated for longer than age, by state; the guide counts every order older than an hour in any state, so finished orders (cancelled, refunded, handed over) looked stuck — only the given waiting states count here
-- source: Issue 6: State Transition Errors — "Check for stuck orders"
-- params: states, age
-- defaults: {"states": ["pending", "pending_payment"], "age": "1 hour"}
SELECT
    state,
    count(*) AS order_count,
    min(updated_at) AS oldest_update,
    now() - min(updated_at) AS longest_stuck
FROM orders
WHERE state = ANY(%(states)s)
    AND updated_at < now() - %(age)s::interval
GROUP BY state
ORDER BY order_count DESC, state
