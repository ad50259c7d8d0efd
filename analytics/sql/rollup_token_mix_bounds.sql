-- The tier-start lists rollup_token_mix's live rows were built with (one when current).
SELECT DISTINCT bounds FROM rollup_token_mix WHERE hidden = 0
