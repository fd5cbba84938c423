-- description: A harmless write for doctor's read_only proof: refused before it runs in a read-only transaction (before privileges, triggers or event triggers), and always rolled back if it is not
-- source: doctor (read_only); the schema name says who tried it
CREATE SCHEMA incident_console_read_only_probe
