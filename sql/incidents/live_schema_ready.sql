-- description: Whether the live-sharing tables exist (created by `incident-console init`)
SELECT to_regclass('incident_console.presence') IS NOT NULL
   AND to_regclass('incident_console.approvals') IS NOT NULL AS ready
