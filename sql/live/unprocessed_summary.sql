-- description: The unprocessed backlog created since a cut, summarised per minute, event type and error (used when the backlog is large)
-- index: webhook_events_unprocessed_idx (partial, processed_at IS NULL)
-- cost: scans the backlog in the database but returns one row per (minute, type, error);
--       rows older than the 24 h window collapse into one group per type and error;
--       rows before the cut are aggregated on the slow cadence (unprocessed_before);
--       run twice: the settled minutes on their own cadence, the recent ones each poll
SELECT
    CASE WHEN created_at >= %(start)s THEN date_trunc('minute', created_at, 'UTC') END AS minute,
\ir include/unprocessed_groups.sql
GROUP BY 1, 2, 3
