-- The earliest UTC hour at or after {since:DateTime('UTC')} that rollup_pending notes (its rollup
-- rows are stale until a refresh); NULL when none.
SELECT minOrNull(hour) FROM rollup_pending WHERE hour >= {since:DateTime('UTC')}
