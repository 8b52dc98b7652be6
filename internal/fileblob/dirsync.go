package fileblob

import "sync"

// dirSyncer coalesces directory fsyncs: writers that linked their blobs into one directory at
// about the same time share a single fsync of it (group commit). A caller's link is durable when
// a sync that STARTED after the link has finished; sync waits for exactly that.
type dirSyncer struct {
	mu   sync.Mutex
	dirs map[string]*dirState
}

type dirState struct {
	cond      *sync.Cond
	running   bool
	started   uint64 // number of syncs started
	finished  uint64 // number of syncs finished
	lastError error  // error of the last finished sync
}

// sync returns once dir has been fsynced by a sync that started after the call.
func (d *dirSyncer) sync(dir string) error {
	d.mu.Lock()
	if d.dirs == nil {
		d.dirs = map[string]*dirState{}
	}
	st := d.dirs[dir]
	if st == nil {
		st = &dirState{cond: sync.NewCond(&d.mu)}
		d.dirs[dir] = st
	}
	// A sync running now may have started before our link: we need the next one.
	need := st.started + 1
	for {
		if st.finished >= need {
			err := st.lastError
			d.mu.Unlock()
			return err
		}
		if !st.running {
			st.running = true
			st.started++
			mine := st.started
			d.mu.Unlock()
			err := syncDir(dir)
			d.mu.Lock()
			st.running = false
			st.finished = mine
			st.lastError = err
			st.cond.Broadcast()
			if mine >= need {
				if !st.running && st.finished == st.started {
					delete(d.dirs, dir) // idle: forget it, so the map stays small
				}
				d.mu.Unlock()
				return err
			}
			continue
		}
		st.cond.Wait()
	}
}
