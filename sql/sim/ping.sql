-- description: The database health probe: one round trip through the receiver's pool
SELECT 1
