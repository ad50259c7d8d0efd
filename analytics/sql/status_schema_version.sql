SELECT argMax(value, updated) FROM meta WHERE key = 'schema_version'
