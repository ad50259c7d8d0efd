-- The repository of a git worktree known by its layout alone: <repo>/.worktrees/<name>
-- and <repo>/.claude/worktrees/<name> (where Claude Code's --worktree puts them)
-- belong to <repo>; any other path is its own repository. The JSONL ingest first
-- asks the worktree itself when its directory exists on this machine (its `.git`
-- file names the repository's git directory); this rule covers the rest (and
-- OpenTelemetry projects, whose directories are never looked at).
CREATE OR REPLACE FUNCTION cc_worktree_repository AS (path) -> multiIf(
    position(path, '/.claude/worktrees/') > 0, replaceRegexpOne(path, '^(.+)/\\.claude/worktrees/[^/]+/?$', '\\1'),
    position(path, '/.worktrees/') > 0, replaceRegexpOne(path, '^(.+)/\\.worktrees/[^/]+/?$', '\\1'),
    path)
