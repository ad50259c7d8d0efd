-- Record the genai-prices version the prices table is built from.
INSERT INTO meta (key, value) VALUES ('prices_version', {version:String})
