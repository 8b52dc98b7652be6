//go:build !linux

package fileblob

import "os"

// startWriteback is a no-op where sync_file_range does not exist; Commit's fsync does it all.
func startWriteback(f *os.File, off, n int64) {}
