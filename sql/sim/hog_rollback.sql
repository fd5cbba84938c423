-- description: connection_hog released: roll the leaked transaction back before the session goes back to the pool
ROLLBACK
