-- Error taxonomy shared by the JSONL ingest and the otel_logs view.
CREATE OR REPLACE FUNCTION cc_error_type AS (status, message) -> multiIf(
    status = 429, 'rate_limit',
    status = 529, 'overloaded',
    status IN (401, 403), 'auth',
    status >= 500 AND status < 600, 'server',
    positionCaseInsensitive(message, 'timeout') > 0 OR positionCaseInsensitive(message, 'timed out') > 0, 'timeout',
    status >= 400 AND status < 500, 'client',
    'other')
