-- description: connection_hog: the read the leaked transaction made before it was forgotten (it holds a snapshot and a lock)
SELECT count(*) FROM orders
