-- The latest value stored under one meta key ('' when none).
SELECT ifNull(argMax(value, updated), '') FROM meta WHERE key = {key:String}
