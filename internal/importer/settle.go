package importer

import (
	"os"
	"time"
)

// DefaultSettle is how long a file must stay unchanged before an import takes it.
const DefaultSettle = 10 * time.Second

// Settled reports whether the file at path is complete enough to import by the batch import's
// test: not modified within settle of now. A recorder writes its file continuously (MixMonitor
// every 20 ms), so a file still being written is always younger than that. It returns how long
// ago the file changed, and an error if it cannot be read.
func Settled(path string, settle time.Duration, now time.Time) (bool, time.Duration, error) {
	st, err := os.Stat(path)
	if err != nil {
		return false, 0, err
	}
	age := now.Sub(st.ModTime())
	return age >= settle, age, nil
}
