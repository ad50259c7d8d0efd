-- What the store knows of the named project directories (schema/15_project_dirs.sql).
SELECT dir, argMax(path, updated), argMax(exact, updated), argMax(repository, updated)
FROM project_dirs
WHERE dir IN {dirs:Array(String)}
GROUP BY dir
