-- The genai-prices version the prices table was built from ('' before the first build).
SELECT argMax(value, updated) FROM meta WHERE key = 'prices_version'
