package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// dirLock is an advisory lock on <data>/ingest.lock. Every process that ingests into an embedded
// data directory holds it shared; `serve` takes it exclusively for a moment at start to know
// that no ingest is in flight while it removes orphans.
type dirLock struct{ f *os.File }

// lockIngest opens the lock and tries to take it exclusively; if another process holds it, it
// takes it shared and reports exclusive=false.
func lockIngest(dataDir string) (l *dirLock, exclusive bool, err error) {
	f, err := os.OpenFile(filepath.Join(dataDir, "ingest.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("open ingest lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		return &dirLock{f}, true, nil
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("lock ingest: %w", err)
	}
	return &dirLock{f}, false, nil
}

// lockIngestShared takes the lock shared, waiting for a starting server's cleanup to finish.
func lockIngestShared(dataDir string) (*dirLock, error) {
	f, err := os.OpenFile(filepath.Join(dataDir, "ingest.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open ingest lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock ingest: %w", err)
	}
	return &dirLock{f}, nil
}

// lockIngestExclusive takes the lock exclusively without waiting, for a process that must be
// alone with the data directory (migrate copies it whole). While a server or an ingest holds
// the lock it refuses; once taken, servers and ingests starting later wait for it.
func lockIngestExclusive(dataDir string) (*dirLock, error) {
	f, err := os.OpenFile(filepath.Join(dataDir, "ingest.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open ingest lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, &usageError{
			msg:  fmt.Sprintf("a callvault server or ingest is using %s (it holds %s)", dataDir, f.Name()),
			hint: "stop it first: nothing may change in the data directory while it is migrated",
		}
	}
	return &dirLock{f}, nil
}

// Share downgrades the lock to shared.
func (l *dirLock) Share() error {
	if l == nil {
		return nil
	}
	return syscall.Flock(int(l.f.Fd()), syscall.LOCK_SH)
}

func (l *dirLock) Close() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}
