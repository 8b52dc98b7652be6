package importer

import (
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// inotify watches folders with Linux's inotify: files created, written, closed after writing
// or moved in, and new folders.
type inotify struct {
	f    *os.File
	mu   sync.Mutex
	dirs map[int32]string
	ch   chan fileEvent
	done chan struct{}
}

const inotifyMask = unix.IN_CREATE | unix.IN_MODIFY | unix.IN_CLOSE_WRITE | unix.IN_MOVED_TO

// newInotify returns an inotify watcher, or nil if the system has none to give (then the
// watcher polls).
func newInotify() watcher {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil
	}
	in := &inotify{f: os.NewFile(uintptr(fd), "inotify"), dirs: map[int32]string{}, ch: make(chan fileEvent, 256), done: make(chan struct{})}
	go in.read()
	return in
}

func (in *inotify) add(dir string) error {
	wd, err := unix.InotifyAddWatch(int(in.f.Fd()), dir, inotifyMask)
	if err != nil {
		return err
	}
	in.mu.Lock()
	in.dirs[int32(wd)] = dir
	in.mu.Unlock()
	return nil
}

func (in *inotify) events() <-chan fileEvent { return in.ch }
func (in *inotify) close() error {
	close(in.done)
	return in.f.Close()
}

// send passes ev on unless the watcher has been closed.
func (in *inotify) send(ev fileEvent) bool {
	select {
	case in.ch <- ev:
		return true
	case <-in.done:
		return false
	}
}

// read turns inotify records into events until the descriptor is closed; it closes the channel
// then, and on a queue overflow (events were lost: the watcher falls back to polling).
func (in *inotify) read() {
	defer close(in.ch)
	buf := make([]byte, 64<<10)
	for {
		n, err := in.f.Read(buf)
		if err != nil {
			return
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			nameBytes := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if ev.Mask&unix.IN_Q_OVERFLOW != 0 {
				return
			}
			name := string(nameBytes)
			for len(name) > 0 && name[len(name)-1] == 0 {
				name = name[:len(name)-1]
			}
			in.mu.Lock()
			dir, ok := in.dirs[ev.Wd]
			in.mu.Unlock()
			if !ok || name == "" {
				continue
			}
			p := filepath.Join(dir, name)
			switch {
			case ev.Mask&unix.IN_ISDIR != 0:
				if ev.Mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
					if !in.send(fileEvent{path: p, dir: true}) {
						return
					}
				}
			case ev.Mask&(unix.IN_CLOSE_WRITE|unix.IN_MOVED_TO) != 0:
				if !in.send(fileEvent{path: p, closed: true}) {
					return
				}
			case ev.Mask&(unix.IN_CREATE|unix.IN_MODIFY) != 0:
				if !in.send(fileEvent{path: p}) {
					return
				}
			}
		}
	}
}
