-- (lines added, lines removed) from the text `old` to the text `new`: each
-- line counted as often as it occurs, the lines both hold (as often as both
-- hold them) left out. An order-free diff: it equals a line diff's counts
-- unless common lines moved, where it counts fewer.
CREATE OR REPLACE FUNCTION cc_lines_diff AS (old, new) -> (
    toUInt64(length(cc_lines(new)) - length(arrayIntersect(
        arrayZip(cc_lines(old), arrayEnumerateUniq(cc_lines(old))),
        arrayZip(cc_lines(new), arrayEnumerateUniq(cc_lines(new)))))),
    toUInt64(length(cc_lines(old)) - length(arrayIntersect(
        arrayZip(cc_lines(old), arrayEnumerateUniq(cc_lines(old))),
        arrayZip(cc_lines(new), arrayEnumerateUniq(cc_lines(new)))))));
