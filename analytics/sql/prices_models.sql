-- Models the price book holds: priced ones, and marker rows (NaN rates) of models genai-prices does not know.
SELECT DISTINCT model FROM prices
