-- description: A console's heartbeat: here, on this incident and screen, until expires_at (server time); arrivals and screen changes are announced by the trigger
-- params: client_id, incident_id, who, host, tty, via, screen, ttl_seconds
INSERT INTO incident_console.presence
    (client_id, incident_id, who, host, tty, via, screen, expires_at)
VALUES (
    %(client_id)s, %(incident_id)s, %(who)s, %(host)s, %(tty)s, %(via)s, %(screen)s,
    now() + make_interval(secs => %(ttl_seconds)s)
)
ON CONFLICT (client_id) DO UPDATE
SET incident_id = EXCLUDED.incident_id,
    screen = EXCLUDED.screen,
    seen_at = now(),
    expires_at = EXCLUDED.expires_at
