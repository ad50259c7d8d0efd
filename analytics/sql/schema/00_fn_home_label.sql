-- A path as projects and repositories are shown: the home directory as `~`
-- (/Users/<name>/x, /home/<name>/x and C:\Users\<name>\x become ~/x, ~\x);
-- any other path or name as it is. Applied where a project or repository is
-- written (the JSONL ingest, the demo) and in the otel_events view, so every
-- page, filter, URL, CSV and API answer uses the same label; `cwd` keeps the
-- full path.
CREATE OR REPLACE FUNCTION cc_home_label AS (path) -> multiIf(
    startsWith(path, '/Users/') OR startsWith(path, '/home/'), replaceRegexpOne(path, '^/[^/]+/[^/]+', '~'),
    match(path, '^[A-Za-z]:\\\\Users\\\\'), replaceRegexpOne(path, '^[A-Za-z]:\\\\Users\\\\[^\\\\]+', '~'),
    path)
