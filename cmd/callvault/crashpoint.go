package main

import (
	"context"
	"os"
	"strings"
)

// crashPointEnv names a setting for crash tests, never for production:
// CALLVAULT_TEST_CRASH_POINT=NAME:FILE makes `callvault serve`, when it reaches the point NAME,
// create FILE (holding what it was doing) and then wait until it is killed or stopped, so that a
// test can SIGKILL the real process at exactly that point instead of guessing with timers.
// Points:
//
//	epoch-destroyed  the catalogue has recorded a key epoch's destruction and this node has not
//	                 yet deleted its copy of the identity (vault.Epochs.AfterDestroyRecorded)
//
// Unset (always, outside tests) it costs nothing: no hook is installed.
const crashPointEnv = "CALLVAULT_TEST_CRASH_POINT"

// crashPointEpochDestroyed: see crashPointEnv.
const crashPointEpochDestroyed = "epoch-destroyed"

// crashHook returns the hook of the point name when m.crashPoint (CALLVAULT_TEST_CRASH_POINT)
// names it, or nil. The hook fires once: it writes the file, then blocks until ctx ends.
func (m *Main) crashHook(name string) func(ctx context.Context, what string) {
	point, file, ok := strings.Cut(m.crashPoint, ":")
	if !ok || point != name || file == "" {
		return nil
	}
	return func(ctx context.Context, what string) {
		f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return // fired already (or the file is taken): carry on
		}
		f.WriteString(what + "\n")
		f.Sync()
		f.Close()
		m.Logger.Warn("stopped at a crash test point; waiting to be killed", "point", name, "at", what)
		<-ctx.Done()
	}
}
