-- description: A console leaving on purpose (quit, SIGTERM): its presence row goes at once
-- params: client_id
DELETE FROM incident_console.presence WHERE client_id = %(client_id)s
