-- description: Who has an incident open right now, from where and on which screen (live heartbeats only), earliest first; the columns are named as console.incidents.presence.Present's fields
-- params: incident_id
SELECT who, host, tty, via, screen, started_at AS since, seen_at AS seen, client_id
FROM incident_console.presence
WHERE incident_id = %(incident_id)s AND expires_at > now()
ORDER BY started_at, client_id
