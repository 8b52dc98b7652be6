package importer

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Watcher finds the files of a folder (and its subfolders) that are complete and hands each to
// a callback once. A file is complete when it has been closed by its writer and left unchanged
// (size and modification time) for Settle; where inotify is available (Linux) "closed" is
// inotify's close-after-write, so a writer that pauses longer than Settle with the file open is
// still waited for; elsewhere the folder is polled and Settle alone decides.
//
// The watcher keeps no state across restarts: the callback must be idempotent (imports are:
// the archive's (source, source ID) is unique), and every file found at start is offered again.
type Watcher struct {
	Dir    string
	Settle time.Duration            // default DefaultSettle
	Poll   time.Duration            // how often files are looked at; default 1s
	Match  func(path string) bool   // the files to consider; default: names ending in .wav
	Now    func() time.Time         // default time.Now
	OnScan func(pending int)        // called after each look, with the files still waiting (tests)
	notify func(dir string) watcher // nil: inotify where available
}

// watcher is a source of change events: the paths that changed, and whether they were closed
// after writing.
type watcher interface {
	add(dir string) error
	events() <-chan fileEvent
	close() error
}

type fileEvent struct {
	path   string
	closed bool // closed after writing (inotify IN_CLOSE_WRITE) or moved in whole
	dir    bool // a new folder: watch it too
}

type fileState struct {
	size    int64
	mod     time.Time
	since   time.Time // when size or mod last changed
	writing bool      // modified and not yet closed (inotify only)
}

// Ready is what the callback of Run answers for a file.
type Ready int

const (
	Taken   Ready = iota // imported, refused or reported: never offered again (unless it changes)
	Pending              // not yet (its metadata is not there yet): offered again at the next look
)

// Run offers each complete file to ready until ctx ends, then returns ctx's error. An error
// walking the folder at start is returned at once.
func (w *Watcher) Run(ctx context.Context, ready func(ctx context.Context, path string) Ready) error {
	settle, poll := w.Settle, w.Poll
	if settle <= 0 {
		settle = DefaultSettle
	}
	if poll <= 0 {
		poll = time.Second
	}
	match := w.Match
	if match == nil {
		match = func(p string) bool { return strings.EqualFold(filepath.Ext(p), ".wav") }
	}
	now := w.Now
	if now == nil {
		now = time.Now
	}
	root, err := rootFolder(w.Dir)
	if err != nil {
		return err
	}
	var nw watcher
	if w.notify != nil {
		nw = w.notify(root)
	} else {
		nw = newInotify()
	}
	if nw != nil {
		defer nw.close()
	}
	files := map[string]*fileState{}
	taken := map[string]fileState{}
	// walk finds every file (polling, or at start and for new folders with inotify).
	walk := func(root string) error {
		return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == root {
					return err
				}
				return nil // a file removed while walking
			}
			if d.IsDir() {
				if nw != nil {
					nw.add(p) // best effort: a folder that cannot be watched is still walked at start
				}
				return nil
			}
			if d.Type().IsRegular() && match(p) && !strings.HasPrefix(d.Name(), ".") {
				if _, ok := files[p]; !ok {
					files[p] = &fileState{size: -1}
				}
			}
			return nil
		})
	}
	if err := walk(root); err != nil {
		return err
	}
	var events <-chan fileEvent
	if nw != nil {
		events = nw.events()
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		t := now()
		for p, st := range files {
			fi, err := os.Stat(p)
			if err != nil {
				delete(files, p) // removed
				continue
			}
			if fi.Size() != st.size || !fi.ModTime().Equal(st.mod) {
				st.size, st.mod, st.since = fi.Size(), fi.ModTime(), t
				if prev, ok := taken[p]; ok && prev.size == st.size && prev.mod.Equal(st.mod) {
					delete(files, p) // seen at a walk again, unchanged since it was taken
				}
				continue
			}
			if st.writing || t.Sub(st.since) < settle {
				continue
			}
			if ready(ctx, p) == Taken {
				taken[p] = *st
				delete(files, p)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		if w.OnScan != nil {
			w.OnScan(len(files))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if nw == nil {
				walk(root)
			}
		case ev, ok := <-events:
			if !ok {
				events, nw = nil, nil // inotify failed (queue overflow): poll from now on
				continue
			}
			if ev.dir {
				walk(ev.path)
				continue
			}
			if !match(ev.path) || strings.HasPrefix(filepath.Base(ev.path), ".") {
				continue
			}
			st, ok := files[ev.path]
			if !ok {
				st = &fileState{size: -1}
				files[ev.path] = st
				delete(taken, ev.path) // written again: offered again (the archive says if it is the same)
			}
			st.writing = !ev.closed
		}
	}
}
