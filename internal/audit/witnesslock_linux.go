package audit

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive flock on f, waiting for other holders; closing f releases it.
// Every process appending to one witness file (nodes sharing a mounted key directory) takes
// it, so appends never interleave. On NFS, Linux maps flock to the server's byte-range locks.
func lockFile(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			return err
		}
	}
}
