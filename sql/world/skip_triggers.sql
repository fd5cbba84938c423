-- description: Skip the per-row foreign-key triggers for this transaction (a superuser, or a role granted SET on the parameter)
SET LOCAL session_replication_role = replica
