-- description: The CREATE INDEX statement doctor recommends for one index of the schema contract (identifiers are the contract's fixed names)
CREATE INDEX{concurrently} IF NOT EXISTS {name} ON {table} ({columns}){where}
