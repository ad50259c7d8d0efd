-- The lines of a text (a last newline ends the last line, it does not start
-- another); none for ''.
CREATE OR REPLACE FUNCTION cc_lines AS (s) ->
    if(s = '', CAST([], 'Array(String)'), splitByChar('\n', replaceRegexpOne(s, '\n$', '')));
