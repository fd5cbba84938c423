-- Included (\ir) after WITH where duplicates are defined: diagnostics/duplicate_events and
-- the preview of delete_duplicate_events. `duplicated` is every event_id seen in the window
-- that is stored more than once, counting its copies of any age.
recent AS (
    SELECT DISTINCT event_id
    FROM webhook_events
    WHERE created_at > now() - %(window)s::interval
),
duplicated AS (
    SELECT w.event_id
    FROM webhook_events AS w
    JOIN recent AS r ON r.event_id = w.event_id
    GROUP BY w.event_id
    HAVING count(*) > 1
)
