-- Empty the price book, before it is rebuilt for another genai-prices version.
TRUNCATE TABLE prices
