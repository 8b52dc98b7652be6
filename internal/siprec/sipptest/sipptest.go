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

// Process is one running sipp.
type Process struct {
	cmd     *exec.Cmd
	out     bytes.Buffer // stdout and stderr
	errLog  string
	timeout time.Duration
	exited  chan struct{} // closed when sipp has exited
	err     error         // sipp's exit status, set before exited is closed
}

// Start starts one call of the sipp scenario file (in dir, which becomes sipp's working
// directory and gets its errors.log) against target, with sipp on 127.0.0.1, plus extra sipp
// arguments (transport, ports, traces). It skips t when sipp is not configured (see
// internal/testenv). Wait must be called within timeout.
func Start(t testing.TB, dir, scenario, target string, timeout time.Duration, extra ...string) *Process {
	t.Helper()
	bin := testenv.Get(t, testenv.Sipp)
	p := &Process{errLog: filepath.Join(dir, "errors.log"), timeout: timeout, exited: make(chan struct{})}
	args := append([]string{"-sf", scenario, "-m", "1", "-l", "1", "-i", "127.0.0.1", "-timeout", "30s", "-timeout_error",
		"-trace_err", "-error_file", p.errLog, "-nostdin"}, extra...)
	p.cmd = exec.Command(bin, append(args, target)...)
	p.cmd.Stdout, p.cmd.Stderr, p.cmd.Dir = &p.out, &p.out, dir
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.exited })
	return p
}

// Run is Start followed, when the returned function is called, by Wait.
func Run(t testing.TB, dir, scenario, target string, timeout time.Duration, extra ...string) (wait func()) {
	t.Helper()
	p := Start(t, dir, scenario, target, timeout, extra...)
	return func() { t.Helper(); p.Wait(t) }
}

// Exited is closed once sipp has exited, successfully or not: a test waiting for the server
// to see the call selects on it, so that a sipp that failed at once (a port in use, a refused
// connection) is reported with its own words instead of as a timeout.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Wait fails t unless sipp finishes the scenario successfully within the timeout given to
// Start; its output and error log are in the failure message.
func (p *Process) Wait(t testing.TB) {
	t.Helper()
	select {
	case <-p.exited:
		if p.err != nil {
			t.Fatalf("sipp failed: %v\n%s", p.err, p.Output())
		}
	case <-time.After(p.timeout):
		p.cmd.Process.Kill()
		<-p.exited
		t.Fatalf("sipp did not finish within %v\n%s", p.timeout, p.Output())
	}
}

// Kill stops sipp and returns its Output.
func (p *Process) Kill() string {
	p.cmd.Process.Kill()
	return p.Output()
}

// Output returns sipp's error log and the tail of its output, once it has exited.
func (p *Process) Output() string {
	<-p.exited
	errs, _ := os.ReadFile(p.errLog)
	s := p.out.String()
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return string(errs) + "\n" + s
}
