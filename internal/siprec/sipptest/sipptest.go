// Package sipptest runs sipp, the SIP test tool, as the recording client of end-to-end tests.
package sipptest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/testenv"
)

// Run starts one call of the sipp scenario file (in dir, which becomes sipp's working directory
// and gets its errors.log) against target, with sipp on 127.0.0.1, plus extra sipp arguments
// (transport, ports, traces). It skips t when sipp is not configured (see internal/testenv). The
// returned wait fails t unless sipp finishes the scenario successfully within the timeout.
func Run(t testing.TB, dir, scenario, target string, timeout time.Duration, extra ...string) (wait func()) {
	t.Helper()
	bin := testenv.Get(t, testenv.Sipp)
	errLog := filepath.Join(dir, "errors.log")
	args := append([]string{"-sf", scenario, "-m", "1", "-l", "1", "-i", "127.0.0.1", "-timeout", "30s", "-timeout_error",
		"-trace_err", "-error_file", errLog, "-nostdin"}, extra...)
	cmd := exec.Command(bin, append(args, target)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Dir = &out, &out, dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return func() {
		t.Helper()
		select {
		case err := <-done:
			if err != nil {
				errs, _ := os.ReadFile(errLog)
				s := out.String()
				if len(s) > 2000 {
					s = s[len(s)-2000:]
				}
				t.Fatalf("sipp failed: %v\n%s\n%s", err, errs, s)
			}
		case <-time.After(timeout):
			cmd.Process.Kill()
			t.Fatal("sipp did not finish")
		}
	}
}
