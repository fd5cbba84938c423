-- description: Template: a guide query run through EXPLAIN for the server's execution time and buffers ({query} is one of the catalogue's own guide/ files, never user input)
EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}
