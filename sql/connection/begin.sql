-- description: Starts a write batch's transaction by hand (the executor commits or rolls back itself, to tell a lost COMMIT from a refused one); the guards follow
-- source: core (console.core.db.begin_write)
BEGIN
