-- The project of each Claude Code project directory (its name under
-- `projects/`, the path with every character but letters and digits made '-'),
-- as the JSONL ingest decoded it: `path` (exact when a session's first cwd
-- encodes to the name, else decoded best-effort) and the `repository` path of
-- a git worktree ('' when the ingest could not ask the worktree).
CREATE TABLE IF NOT EXISTS project_dirs
(
    dir String,
    path String,
    exact UInt8,
    repository String,
    updated DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(updated)
ORDER BY dir
