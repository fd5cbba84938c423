-- description: Seed random() for this session, so the same seed generates the same world
-- params: seed
SELECT setseed(%(seed)s)
