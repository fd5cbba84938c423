-- description: The partial-index predicate clause of a recommended index
WHERE {predicate}
