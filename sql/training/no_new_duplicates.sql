-- description: Resolve check: event_ids stored twice among the events of the last few seconds (0 = the race is gone)
-- params: seconds
SELECT count(*) AS n
FROM (
    SELECT event_id
    FROM webhook_events
    WHERE created_at > now() - %(seconds)s * interval '1 second'
    GROUP BY event_id
    HAVING count(*) > 1
) AS d
