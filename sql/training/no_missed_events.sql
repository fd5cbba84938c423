-- description: Resolve check: events the simulated Stripe sent (their ids, from its ledger) that have no processed copy in webhook_events (0 = every missed event ended up processed)
-- params: ids
SELECT count(*) AS n
FROM unnest(%(ids)s::text[]) AS sent(event_id)
WHERE NOT EXISTS (
    SELECT 1
    FROM webhook_events AS w
    WHERE w.event_id = sent.event_id
      AND w.processed_at IS NOT NULL
)
