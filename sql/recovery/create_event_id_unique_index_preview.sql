-- description: What blocks a unique index on webhook_events.event_id: every event_id stored more than once (unprocessed copies go with recovery/delete_duplicate_events; two processed copies mean the event ran twice and need a person). An invalid index left by an earlier failed build is not a blocker here: the executor drops it (CONCURRENTLY) before building again
-- source: Issue 3, Prevention "Implement proper database constraints" (the guide has no unique constraint)
-- params:
-- defaults: {}
SELECT
    event_id AS blocker,
    count(*) AS copies,
    count(processed_at) AS processed_copies,
    CASE
        WHEN count(processed_at) > 1
            THEN 'processed more than once: investigate before removing a copy'
        ELSE 'duplicate copies: run recovery/delete_duplicate_events first'
    END AS reason
FROM webhook_events
GROUP BY event_id
HAVING count(*) > 1
ORDER BY 1
