-- The programming language of a file, from its extension (or its name for a
-- few well-known files), named as Claude Code's OpenTelemetry metrics name it
-- in the `language` attribute of claude_code.code_edit_tool.decision
-- ("TypeScript", "Python", "Markdown", ...); 'unknown' otherwise.
CREATE OR REPLACE FUNCTION cc_language AS (path) -> multiIf(
    lower(extract(path, '([^/\\\\]*)$')) IN ('dockerfile', 'containerfile'), 'Dockerfile',
    lower(extract(path, '([^/\\\\]*)$')) IN ('makefile', 'gnumakefile'), 'Makefile',
    transform(lower(extract(path, '\\.([A-Za-z0-9+]+)$')),
        ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'py', 'pyi', 'ipynb', 'md', 'mdx', 'json', 'jsonl',
         'yaml', 'yml', 'toml', 'sh', 'bash', 'zsh', 'go', 'rs', 'java', 'kt', 'kts', 'scala', 'c', 'h', 'cc',
         'cpp', 'cxx', 'hpp', 'hh', 'cs', 'rb', 'php', 'swift', 'm', 'mm', 'html', 'htm', 'css', 'scss', 'sass',
         'less', 'sql', 'vue', 'svelte', 'lua', 'r', 'dart', 'ex', 'exs', 'erl', 'hs', 'clj', 'ml', 'tf', 'xml',
         'txt', 'ini', 'cfg', 'proto', 'graphql', 'gql', 'ps1', 'pl', 'zig', 'nim', 'jl'],
        ['TypeScript', 'TypeScript', 'TypeScript', 'TypeScript', 'JavaScript', 'JavaScript', 'JavaScript',
         'JavaScript', 'Python', 'Python', 'Jupyter Notebook', 'Markdown', 'Markdown', 'JSON', 'JSON',
         'YAML', 'YAML', 'TOML', 'Shell', 'Shell', 'Shell', 'Go', 'Rust', 'Java', 'Kotlin', 'Kotlin', 'Scala', 'C', 'C',
         'C++', 'C++', 'C++', 'C++', 'C++', 'C#', 'Ruby', 'PHP', 'Swift', 'Objective-C', 'Objective-C', 'HTML',
         'HTML', 'CSS', 'SCSS', 'Sass', 'Less', 'SQL', 'Vue', 'Svelte', 'Lua', 'R', 'Dart', 'Elixir', 'Elixir',
         'Erlang', 'Haskell', 'Clojure', 'OCaml', 'Terraform', 'XML', 'Text', 'INI', 'INI', 'Protocol Buffers',
         'GraphQL', 'GraphQL', 'PowerShell', 'Perl', 'Zig', 'Nim', 'Julia'],
        'unknown'));
