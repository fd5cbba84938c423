-- description: Resolve check: event_ids stored more than once with at least one unprocessed copy (0 = the duplicates are cleaned up)
SELECT count(*) AS n
FROM (
    SELECT event_id
    FROM webhook_events
    GROUP BY event_id
    HAVING count(*) > 1 AND bool_or(processed_at IS NULL)
) AS d
