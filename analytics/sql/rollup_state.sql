-- The rollup format the store's rollup tables were last built in ('' when never).
SELECT ifNull(argMax(value, updated), '') FROM meta WHERE key = 'rollup_version'
