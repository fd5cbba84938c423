-- description: Which of the given event_ids appear more than once among the last hour's events: those arrived since the last look and those already held as duplicated (Issue 3, incremental)
-- index: webhook_events_event_id_idx (one probe per event_id)
-- cost: the given event_ids' rows only (a few hundred ids a look), whatever the hour's traffic
SELECT event_id,
       count(*) AS copies,
       min(created_at)::timestamptz AS first_seen
FROM webhook_events
WHERE event_id = ANY(%(event_ids)s::text[])
  AND created_at >= %(since)s
GROUP BY event_id
HAVING count(*) > 1
