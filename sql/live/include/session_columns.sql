-- Included (\ir) in the SELECT list over pg_stat_activity where a server session is shown:
-- live/connections (the connections panel) and drilldown/backend (its drill-down), so the
-- panel and the detail name and cast the same fields the same way.
usename::text AS usename,
application_name,
client_addr::text AS client_addr,
backend_start,
xact_start,
query_start,
state_change,
wait_event_type,
wait_event,
