-- The distinct tier starts of the price book (total input tokens at which a tier begins).
SELECT DISTINCT tier_start FROM prices ORDER BY tier_start
