-- description: Orders waiting in pending or pending_payment without an update for too long (Issue 6)
-- index: orders_state_updated_at_idx (state, updated_at): reads only the stuck orders
-- cost: a recount (since = the beginning of time) reads every stuck order's index entry, on a
--       cadence stretched by its cost; between recounts, only the orders that became stuck
--       since the last look (updated_at in [since, before): a few seconds of it)
-- enum: an ENUM state works as is (the states are sent untyped and coerced), and keeps the index
-- note: paid orders awaiting handover are a normal resting state and are not counted
SELECT state::text AS state, count(*) AS orders,
       min(updated_at)::timestamptz AS oldest_updated_at
FROM orders
WHERE state = ANY(%(states)s)
  AND updated_at >= %(since)s
  AND updated_at < %(before)s
GROUP BY 1
