//go:build !linux

package importer

// newInotify returns nil: without inotify the watcher polls.
func newInotify() watcher { return nil }
