-- description: Subscribe this connection to the live channel (payloads: table, op, incident, seq, id; the tables stay the truth)
LISTEN incident_console
