package fileblob

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestDirSyncerConcurrent(t *testing.T) {
	var d dirSyncer
	dirs := []string{t.TempDir(), t.TempDir()}
	var wg sync.WaitGroup
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := d.sync(dirs[i%2]); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.dirs) != 0 {
		t.Errorf("%d idle directories still tracked", len(d.dirs))
	}
}

func TestDirSyncerReportsErrors(t *testing.T) {
	var d dirSyncer
	missing := filepath.Join(t.TempDir(), "gone")
	if err := d.sync(missing); !os.IsNotExist(err) {
		t.Errorf("sync of a missing directory: %v", err)
	}
}
