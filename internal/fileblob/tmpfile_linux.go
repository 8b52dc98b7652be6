package fileblob

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openAnon opens an unnamed file (O_TMPFILE) in dir: it has no name until linkAnon gives it
// one, and vanishes by itself if the process dies first, so a crash leaves nothing to clean.
func openAnon(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), dir+"/(unnamed)"), nil
}

// linkAnon gives the unnamed file f the name dst; it fails with an fs.ErrExist error if dst
// exists, never replacing it.
func linkAnon(f *os.File, dst string) error {
	return unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", f.Fd()), unix.AT_FDCWD, dst, unix.AT_SYMLINK_FOLLOW)
}
