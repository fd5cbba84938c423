-- description: event_ids that appear more than once among the last hour's events (Issue 3)
-- index: webhook_events_created_at_idx; cost is one hour of events: read once, then again on a
--        cadence stretched by its cost (in between, duplicates_of probes only the new event_ids)
-- why: every duplicated event_id while they are few enough to hold, so later looks can probe
--      them; the totals count them all
SELECT event_id,
       count(*) AS copies,
       min(created_at)::timestamptz AS first_seen,
       count(*) OVER () AS duplicated_event_ids,
       sum(count(*) - 1) OVER () AS extra_copies
FROM webhook_events
WHERE created_at >= %(since)s
GROUP BY event_id
HAVING count(*) > 1
ORDER BY copies DESC, event_id
LIMIT %(limit)s
