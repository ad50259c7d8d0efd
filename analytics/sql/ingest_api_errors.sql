-- Synthetic "<synthetic>" assistant lines flagged isApiErrorMessage are API
-- errors, not requests (rule 6); apiErrorStatus, else "API Error: NNN" in the
-- text, is the HTTP status.
INSERT INTO ingest_events (ts, source, event, session_id, request_id, message_id, event_id, project, repository,
    cwd, git_branch, cc_version, is_sidechain, agent_id, status_code, success, error_type, error_text, version)
WITH toUInt16OrZero(if(api_error_status != '', api_error_status, extract(text, 'API Error:\\s*(\\d{3})'))) AS status
SELECT
    ts, 'jsonl', 'api_error', session_id, request_id, msg_id,
    concat('err:', if(uuid != '', uuid, toString(cityHash64(session_id, ts, text)))),
    cc_home_label(c.project), cc_repository_label(c.project, c.repository),
    cwd, git_branch, cc_version, is_sidechain, agent_id, status, 0,
    cc_error_type(status, text), substring(text, 1, 4000), {format:UInt64} * 281474976710656 + 1
FROM ingest_parsed
LEFT JOIN ingest_chunks AS c ON c.file_id = ingest_parsed.file_id
WHERE reason = '' AND type = 'assistant' AND is_api_error
