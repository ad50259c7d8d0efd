-- The demo's project paths as the store labels them: (path, project, repository).
SELECT path, cc_home_label(path), cc_repository_label(path, '')
FROM (SELECT arrayJoin({paths:Array(String)}) AS path)
