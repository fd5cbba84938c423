-- description: Who has an incident open right now, from where and on which screen (live heartbeats only), earliest first
-- params: incident_id
SELECT client_id, who, host, tty, via, screen, started_at, seen_at
FROM incident_console.presence
WHERE incident_id = %(incident_id)s AND expires_at > now()
ORDER BY started_at, client_id
