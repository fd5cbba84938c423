-- description: Forget presence rows long expired (consoles killed without leaving)
DELETE FROM incident_console.presence WHERE expires_at < now() - interval '1 hour'
