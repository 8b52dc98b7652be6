package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

// testClock is the injected clock of sign-in, sessions and grants.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// pvault is a served vault with people: its clock, its stdout and its log.
type pvault struct {
	*server
	clock  *testClock
	stdout *syncBuffer
	log    *syncBuffer
	stores []string // --data (and --db) for CLI commands against this vault
}

const pw = "tortoise lamp river 42" // every test user's password

func startVault(t *testing.T, extra ...string) *pvault {
	t.Helper()
	v := &pvault{clock: &testClock{t: time.Now().UTC().Truncate(time.Second)}, stdout: &syncBuffer{}, log: &syncBuffer{}}
	data := t.TempDir()
	v.stores = []string{"--data", data}
	for i := 0; i+1 < len(extra); i++ {
		if extra[i] == "--db" {
			v.stores = append(v.stores, "--db", extra[i+1])
		}
	}
	flags := append([]string{"--data", data, "--log-level", "debug", "--session-idle", "24h", "--session-max", "48h"}, extra...)
	v.server = startServerWith(t, func(m *Main) {
		m.Now = v.clock.now
		m.Stdout = v.stdout
		m.Logger = slog.New(slog.NewJSONHandler(v.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}, flags...)
	return v
}

var bootstrapRE = regexp.MustCompile(`/setup\?token=(cvl_[A-Za-z0-9_-]+)`)

// bootstrap creates the first Director through the link serve printed.
func (v *pvault) bootstrap(t *testing.T, name string) {
	t.Helper()
	m := bootstrapRE.FindStringSubmatch(v.stdout.String())
	if m == nil {
		t.Fatalf("serve printed no bootstrap link:\n%s", v.stdout.String())
	}
	anon := v.client(t)
	if st, body := anon.call("POST", "/api/v1/setup", map[string]any{"token": m[1], "username": name, "password": pw}); st != 200 {
		t.Fatalf("bootstrap: %d %s", st, body)
	}
	if st, _ := anon.call("POST", "/api/v1/setup", map[string]any{"token": m[1], "username": "eve", "password": pw}); st != 404 {
		t.Fatalf("the bootstrap link worked twice: %d", st)
	}
}

// addUser adds a user with the CLI (the contract: users add NAME --role R --password-stdin).
func (v *pvault) addUser(t *testing.T, name string, roles ...string) {
	t.Helper()
	args := append([]string{"users", "add", name, "--password-stdin"}, v.stores...)
	for _, r := range roles {
		args = append(args, "--role", r)
	}
	var o, e bytes.Buffer
	ev := testEnv(&o, &e)
	if code := run(context.Background(), args, strings.NewReader(pw+"\n"), &o, &e, ev.getenv); code != 0 {
		t.Fatalf("users add %s: exit %d: %s", name, code, e.String())
	}
}

// client is a browser-like HTTP client with its own cookie jar.
type client struct {
	t        *testing.T
	v        *pvault
	http     *http.Client
	name     string
	totp     string   // the confirmed TOTP secret
	recovery []string // the recovery codes shown at confirmation
}

func (v *pvault) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, v: v, http: &http.Client{Jar: jar}}
}

// call sends a JSON request and returns the status and the decoded body.
func (c *client) call(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	resp := c.do(method, path, body, nil)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out
}

func (c *client) do(method, path string, body any, header http.Header) *http.Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.v.url+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// login signs in (with a TOTP code once enrolled) and fails the test if it cannot.
func (c *client) login(name string) {
	c.t.Helper()
	c.name = name
	body := map[string]any{"username": name, "password": pw}
	if c.totp != "" {
		c.v.clock.add(30 * time.Second) // a fresh time step: codes are used once
		code, _ := totp.GenerateCode(c.totp, c.v.clock.now())
		body["totp"] = code
	}
	if st, out := c.call("POST", "/api/v1/login", body); st != 200 {
		c.t.Fatalf("login %s: %d %v", name, st, out)
	}
}

// signIn logs in a new client for name and acknowledges the notice.
func (v *pvault) signIn(t *testing.T, name string) *client {
	t.Helper()
	c := v.client(t)
	c.login(name)
	if st, out := c.call("POST", "/api/v1/me/notice/acknowledge", map[string]any{"version": identity.DefaultNotice.Version}); st != 200 {
		t.Fatalf("acknowledge notice %s: %d %v", name, st, out)
	}
	return c
}

// enrolTOTP enrols and confirms a second factor for the signed-in client.
func (c *client) enrolTOTP() {
	c.t.Helper()
	st, out := c.call("POST", "/api/v1/me/totp", nil)
	if st != 200 || out["secret"] == nil || !strings.HasPrefix(out["otpauth_url"].(string), "otpauth://") {
		c.t.Fatalf("enrol TOTP %s: %d %v", c.name, st, out)
	}
	secret := out["secret"].(string)
	code, _ := totp.GenerateCode(secret, c.v.clock.now())
	st, out = c.call("POST", "/api/v1/me/totp/confirm", map[string]any{"code": code})
	if st != 200 {
		c.t.Fatalf("confirm TOTP %s: %d %v", c.name, st, out)
	}
	c.totp = secret
	codes, _ := out["recovery_codes"].([]any)
	for _, rc := range codes {
		c.recovery = append(c.recovery, fmt.Sprint(rc))
	}
}

// events returns the whole audit log.
func (v *pvault) events(t *testing.T) []*callvault.AuditEvent {
	t.Helper()
	evs, err := v.main.Catalogue.AuditEvents(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func countActions(evs []*callvault.AuditEvent, action string) int {
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}

// problemType returns the last segment of a problem document's type.
func problemType(out map[string]any) string {
	s, _ := out["type"].(string)
	return s[strings.LastIndex(s, "/")+1:]
}
