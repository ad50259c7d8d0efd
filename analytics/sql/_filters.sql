ts >= {start:DateTime64(3, 'UTC')} AND ts < {end:DateTime64(3, 'UTC')}
    AND (empty({projects:Array(String)}) OR project IN {projects:Array(String)})
    AND (empty({repositories:Array(String)}) OR repository IN {repositories:Array(String)})
    AND (empty({models:Array(String)}) OR model IN {models:Array(String)} OR model = '')
    AND (empty({users:Array(String)}) OR user IN {users:Array(String)})
    AND (empty({sources:Array(String)}) OR source IN {sources:Array(String)})
