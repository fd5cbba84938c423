-- description: A server setting for the load's transaction only (temp_buffers, work_mem, synchronous_commit, ...)
-- params: setting, value
SELECT set_config(%(setting)s, %(value)s, true)
