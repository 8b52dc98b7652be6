// Package mailtest gives tests a real SMTP server: mailpit (github.com/axllent/mailpit), which
// the test script installs and names in CALLVAULT_TEST_MAILPIT. A test starts one on free
// loopback ports with its own data directory, points the code under test at its SMTP address and
// reads what arrived through mailpit's HTTP API.
//
// Without CALLVAULT_TEST_MAILPIT a test that asks for a server is skipped, or fails when
// CALLVAULT_TEST_REQUIRE_EXTERNAL=1 (see internal/testenv), so that CI cannot pass by skipping.
package mailtest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/testenv"
)

// Options change how mailpit is started.
type Options struct {
	// TLSCert and TLSKey (PEM files) make the SMTP server offer STARTTLS.
	TLSCert, TLSKey string
	// RequireTLS makes the server refuse mail unless the client used STARTTLS.
	RequireTLS bool
	// Auth makes the server accept (and require) SMTP authentication with any credentials; the
	// username is kept with each message (Message.Username).
	Auth bool
}

// Mailpit is a running mailpit. Its ports and data directory stay the same across Stop and
// Start, so a test can take the SMTP server away and bring it back with the mail it held.
type Mailpit struct {
	SMTPAddr string // 127.0.0.1:port
	APIURL   string // http://127.0.0.1:port

	binary, dir string
	opts        Options

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	output  *testenv.Output
	running bool
}

// Path returns the mailpit binary named by CALLVAULT_TEST_MAILPIT, or "".
func Path() string { return os.Getenv(testenv.Mailpit) }

// New starts a mailpit from CALLVAULT_TEST_MAILPIT for t, with its data in t.TempDir(), and
// stops it at the end of t. It skips (or fails, see internal/testenv) when the variable is unset.
func New(t testing.TB, opts Options) *Mailpit {
	t.Helper()
	bin := testenv.Get(t, testenv.Mailpit)
	m, err := StartMailpit(bin, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Stop(); err != nil {
			t.Errorf("stop mailpit: %v", err)
		}
	})
	return m
}

// StartMailpit runs binary on free 127.0.0.1 ports with its database in dir and returns once
// its API reports it ready and its SMTP port greets. The caller must Stop it.
func StartMailpit(binary, dir string, opts Options) (*Mailpit, error) {
	var lastErr error
	for range 3 { // a free port can be taken between probing and binding
		smtpPort, err := testenv.FreePort()
		if err != nil {
			return nil, err
		}
		httpPort, err := testenv.FreePort()
		if err != nil {
			return nil, err
		}
		m := &Mailpit{
			SMTPAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(smtpPort)),
			APIURL:   "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)),
			binary:   binary,
			dir:      dir,
			opts:     opts,
		}
		if lastErr = m.Start(); lastErr == nil {
			return m, nil
		}
	}
	return nil, lastErr
}

// Start starts the server again after Stop, on the same ports and data; it does nothing if it
// runs.
func (m *Mailpit) Start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running {
		return nil
	}
	args := []string{
		"--database", filepath.Join(m.dir, "mailpit.db"),
		"--listen", m.httpAddr(),
		"--smtp", m.SMTPAddr,
		"--disable-version-check",
		"--smtp-disable-rdns",
		"--quiet",
	}
	if m.opts.TLSCert != "" {
		args = append(args, "--smtp-tls-cert", m.opts.TLSCert, "--smtp-tls-key", m.opts.TLSKey)
	}
	if m.opts.RequireTLS {
		args = append(args, "--smtp-require-starttls")
	}
	if m.opts.Auth {
		args = append(args, "--smtp-auth-accept-any")
		if m.opts.TLSCert == "" {
			args = append(args, "--smtp-auth-allow-insecure")
		}
	}
	m.output = &testenv.Output{}
	m.exited = make(chan struct{})
	m.cmd = exec.Command(m.binary, args...)
	m.cmd.Stdout = m.output
	m.cmd.Stderr = m.output
	setProcAttr(m.cmd)
	if err := m.cmd.Start(); err != nil {
		return fmt.Errorf("start mailpit %s: %w", m.binary, err)
	}
	exited := m.exited
	go func(cmd *exec.Cmd) {
		_ = cmd.Wait()
		close(exited)
	}(m.cmd)
	m.running = true
	if err := m.waitReady(30 * time.Second); err != nil {
		m.stopLocked()
		return err
	}
	return nil
}

func (m *Mailpit) httpAddr() string { return m.APIURL[len("http://"):] }

// waitReady polls /readyz and the SMTP port until both answer, the process exits, or the
// timeout passes.
func (m *Mailpit) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := m.probe(client)
		if err == nil {
			return nil
		}
		select {
		case <-m.exited:
			return fmt.Errorf("mailpit exited before it was ready: %s", m.output.String())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mailpit was not ready within %s: %v; output: %s", timeout, err, m.output.String())
		}
	}
}

func (m *Mailpit) probe(client *http.Client) error {
	resp, err := client.Get(m.APIURL + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: %s", resp.Status)
	}
	c, err := net.DialTimeout("tcp", m.SMTPAddr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(time.Second))
	greeting := make([]byte, 3)
	if _, err := c.Read(greeting); err != nil || string(greeting) != "220" {
		return fmt.Errorf("smtp greeting %q: %v", greeting, err)
	}
	return nil
}

// Stop stops the server and waits for it to exit; its mail stays in its data directory.
func (m *Mailpit) Stop() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stopLocked()
}

func (m *Mailpit) stopLocked() error {
	if !m.running {
		return nil
	}
	m.running = false
	_ = m.cmd.Process.Signal(os.Interrupt)
	select {
	case <-m.exited:
		return nil
	case <-time.After(5 * time.Second):
		err := m.cmd.Process.Kill()
		<-m.exited
		return err
	}
}
