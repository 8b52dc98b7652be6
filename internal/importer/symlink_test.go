package importer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// symlinkedFolder returns a link to a new folder holding rel, a complete file. Spools are often
// links to a bigger disk (/var/spool/asterisk/monitor -> /mnt/recordings).
func symlinkedFolder(t *testing.T, rel string) (link, file string) {
	t.Helper()
	real := t.TempDir()
	file = filepath.Join(real, rel)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	link = filepath.Join(t.TempDir(), "monitor")
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	return link, file
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// A spool given as a symbolic link to its folder is scanned like the folder.
func TestScanSpoolSymlinkedRoot(t *testing.T) {
	link, file := symlinkedFolder(t, "2026/07/14/in-02079460000-07700900123-20260714-093010-1783931415.42.wav")
	files, err := ScanSpool(link, time.UTC)
	if err != nil || len(files) != 1 || files[0].Err != nil || !sameFile(t, files[0].Path, file) {
		t.Fatalf("ScanSpool(link) = %+v, %v; want the one recording in the linked folder", files, err)
	}
}

// A watched folder given as a symbolic link is watched like the folder.
func TestWatchSymlinkedRoot(t *testing.T) {
	link, file := symlinkedFolder(t, "2026/12/call.wav")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var offered []string
	scans := 0
	w := &Watcher{Dir: link, Settle: time.Nanosecond, Poll: 10 * time.Millisecond,
		Now:    func() time.Time { return time.Now().Add(time.Hour) }, // every file has settled
		notify: func(string) watcher { return nil },
		OnScan: func(int) {
			if scans++; scans >= 5 {
				cancel()
			}
		}}
	err := w.Run(ctx, func(_ context.Context, p string) Ready { offered = append(offered, p); return Taken })
	if err != context.Canceled {
		t.Fatalf("Run = %v", err)
	}
	if len(offered) != 1 || !sameFile(t, offered[0], file) {
		t.Fatalf("offered %v, want the linked folder's %s once", offered, file)
	}
}
