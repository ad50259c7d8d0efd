-- Last known size / mtime / inode / read offset of every file of one kind.
SELECT path, size, mtime, inode, offset FROM ingest_files FINAL WHERE kind = {kind:String}
