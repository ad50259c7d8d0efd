-- The tool calls that may produce an outcome (Edit, MultiEdit, Write,
-- NotebookEdit, and Bash commands running `git commit` or `gh pr create`),
-- read from their tool_use blocks: what a tool_result of this or a later
-- ingest run needs to turn into outcomes (docs/OUTCOMES.md). `lines_added` /
-- `lines_removed` are the input's own diff (old/new strings, a Write's
-- content), used when the result carries no structured patch.
CREATE TABLE IF NOT EXISTS outcome_tool_uses
(
    tool_use_id String,
    ts DateTime64(3, 'UTC'),
    session_id String,
    model LowCardinality(String),
    tool LowCardinality(String),
    action LowCardinality(String),
    file_path String,
    lines_added UInt32,
    lines_removed UInt32
)
ENGINE = ReplacingMergeTree
ORDER BY tool_use_id
