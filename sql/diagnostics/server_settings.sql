-- description: The database settings of the guide's Appendix B beside the values the guide suggests (suggestions, not rules: log_statement = 'all' logs every statement, payment data included, and is usually wrong in production)
-- source: Appendix B: Configuration Reference — Database Configuration
-- params:
-- defaults: {}
WITH guide(name, suggested) AS (
    VALUES
        ('max_connections', '100'),
        ('shared_preload_libraries', 'pg_stat_statements'),
        ('log_statement', 'all'),
        ('log_min_duration_statement', '1000'),
        ('shared_buffers', '256MB'),
        ('effective_cache_size', '1GB'),
        ('work_mem', '4MB'),
        ('maintenance_work_mem', '64MB')
)
SELECT
    g.name,
    current_setting(g.name) AS current_value,
    g.suggested AS guide_value,
    s.unit,
    s.source
FROM guide AS g
JOIN pg_settings AS s ON s.name = g.name
ORDER BY g.name
