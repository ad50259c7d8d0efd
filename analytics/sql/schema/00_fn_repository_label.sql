-- The repository label of a project (a path): the repository the ingest found
-- by asking the worktree (`repository`, '' when it could not), else the
-- worktree layout rule (cc_worktree_repository), shown with cc_home_label.
CREATE OR REPLACE FUNCTION cc_repository_label AS (project, repository) ->
    cc_home_label(if(repository != '', repository, cc_worktree_repository(project)))
