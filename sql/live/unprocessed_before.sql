-- description: Unprocessed events created in [since, until), older than the 24 h window, aggregated per event type and error (old failed history)
-- index: webhook_events_unprocessed_idx (partial, processed_at IS NULL; range scan on created_at)
-- cost: as the window moves on, only the minutes it left since the last look (since = the
--       last cut), added to the running total; the whole old history (since = the beginning
--       of time: it grows with retention, one row per (type, error) back) on a recount whose
--       cadence is stretched by its cost
-- why: failed events keep processed_at NULL forever; re-reading that history every poll made
--      the console's cost grow with the table
SELECT
\ir include/unprocessed_groups.sql
GROUP BY event_type, error_message
