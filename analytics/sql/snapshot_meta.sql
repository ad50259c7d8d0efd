-- Record in a snapshot's meta table what it is a copy of (snapshot_of) and when it was taken (snapshot_taken).
INSERT INTO meta (key, value) VALUES ({key:String}, {value:String})
