package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"version"}, {"serve", "--help"}, {"ingest", "--help"},
		{"token", "--help"}, {"token", "create", "--help"}, {"keys", "--help"}, {"audit", "--help"},
		{"audit", "verify", "--help"}, {"audit", "export", "--help"}, {"help", "serve"},
		{"migrate", "--help"}, {"retention", "--help"}, {"retention", "run", "--help"}, {"report", "--help"}, {"keys", "show-recipient", "--help"}, {"audit", "verify-export", "--help"},
		{"audit", "witness-rotate", "--help"}, {"token", "list", "--help"}, {"token", "revoke", "--help"},
		{"case", "--help"}, {"case", "due-date", "--help"}, {"help", "case"}, {"notice", "--help"}, {"notice", "send", "--help"}, {"notice", "pending", "--help"}} {
		code, out, errOut := cli(t, args...)
		if code != 0 || out == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if code, _, errOut := cli(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "callvault: hint:") {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
}

func loadTestConfig(t *testing.T, args []string, envv map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	registerConfigFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return LoadConfig(fs, func(k string) string { return envv[k] })
}

func TestConfigLayers(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cv.json")
	os.WriteFile(file, []byte(`{"http":"127.0.0.1:1111","region":"IE","max_upload":"1MiB","unrecorded":["299","+442079460999"]}`), 0o600)

	cfg, err := loadTestConfig(t, nil, nil)
	if err != nil || cfg.HTTP != "127.0.0.1:8080" || cfg.Data != "callvault-data" || cfg.RetentionMonths != 6 {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, err = loadTestConfig(t, []string{"--config", file}, nil)
	if err != nil || cfg.HTTP != "127.0.0.1:1111" || cfg.Region != "IE" || cfg.MaxUpload != 1<<20 || len(cfg.Unrecorded) != 2 {
		t.Fatalf("file layer: %+v %v", cfg, err)
	}
	cfg, err = loadTestConfig(t, []string{"--config", file}, map[string]string{"CALLVAULT_HTTP": "127.0.0.1:2222"})
	if err != nil || cfg.HTTP != "127.0.0.1:2222" || cfg.Region != "IE" {
		t.Fatalf("env over file: %+v %v", cfg, err)
	}
	cfg, err = loadTestConfig(t, []string{"--config", file, "--http", "127.0.0.1:3333"}, map[string]string{"CALLVAULT_HTTP": "127.0.0.1:2222"})
	if err != nil || cfg.HTTP != "127.0.0.1:3333" {
		t.Fatalf("flag over env: %+v %v", cfg, err)
	}
	if cfg, _ := loadTestConfig(t, []string{"--sip", "on"}, nil); cfg.SIP != "0.0.0.0:5060" {
		t.Errorf("--sip on = %q, want 0.0.0.0:5060", cfg.SIP)
	}
	if cfg, _ := loadTestConfig(t, []string{"--sip", "off"}, map[string]string{"CALLVAULT_SIP": "127.0.0.1:5070"}); cfg.SIP != "" {
		t.Errorf("--sip off = %q", cfg.SIP)
	}
	if cfg, err := loadTestConfig(t, []string{"--sip-tls", "127.0.0.1:5061", "--sip-cert", "c.pem", "--sip-key", "k.pem", "--sip-require-srtp", "true"}, nil); err != nil || !cfg.SIPRequireSRTP {
		t.Errorf("--sip-require-srtp true: %v %v", cfg.SIPRequireSRTP, err)
	}
	cfg, err = loadTestConfig(t, nil, map[string]string{"CALLVAULT_CONFIG": file})
	if err != nil || cfg.HTTP != "127.0.0.1:1111" {
		t.Fatalf("CALLVAULT_CONFIG: %+v %v", cfg, err)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "u.json")
	os.WriteFile(unknown, []byte(`{"htttp":"x"}`), 0o600)
	notJSON := filepath.Join(dir, "n.json")
	os.WriteFile(notJSON, []byte(`http = 1`), 0o600)
	cases := []struct {
		args  []string
		env   map[string]string
		field string
	}{
		{[]string{"--http", "nope"}, nil, "http"},
		{[]string{"--db", "mysql://x"}, nil, "db"},
		{[]string{"--blob", "ftp://x"}, nil, "blob"},
		{[]string{"--region", "Britain"}, nil, "region"},
		{[]string{"--max-upload", "lots"}, nil, "max_upload"},
		{[]string{"--retention-months", "0"}, nil, "retention_months"},
		{[]string{"--rtp-ports", "5-3"}, nil, "rtp_ports"},
		{[]string{"--sip-allow", "10.0.0.0/99"}, nil, "sip_allow"},
		{[]string{"--sip-start-window", "0s"}, nil, "sip_start_window"},
		{[]string{"--sip-require-srtp", "maybe"}, nil, "sip_require_srtp"},
		{[]string{"--sip-require-srtp", "true"}, nil, "sip_require_srtp"}, // without --sip-tls
		{[]string{"--log-level", "loud"}, nil, "log_level"},
		{[]string{"--orphan-grace", "soon"}, nil, "orphan_grace"},
		{nil, map[string]string{"CALLVAULT_MAX_UPLOAD": "-5"}, "max_upload"},
		{[]string{"--config", unknown}, nil, "htttp"},
		{[]string{"--config", notJSON}, nil, "config file"},
		{[]string{"--config", filepath.Join(dir, "missing.json")}, nil, "config file"},
	}
	for _, c := range cases {
		_, err := loadTestConfig(t, c.args, c.env)
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%v %v: error %v does not name %q", c.args, c.env, err, c.field)
		}
	}
	// Through the command line: exit 2 with error and hint lines.
	code, _, errOut := cli(t, "serve", "--data", dir, "--http", "nope")
	if code != 2 || !strings.Contains(errOut, "callvault: error: config http") || !strings.Contains(errOut, "callvault: hint:") {
		t.Errorf("serve with bad --http: exit %d, %q", code, errOut)
	}
}

func TestKeysAndRecorderOnlyNode(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := cli(t, "keys", "show-recipient", "--data", data)
	if code != 0 || !strings.HasPrefix(out, "age1pq1") {
		t.Fatalf("show-recipient: %d %q %q", code, out, errOut)
	}
	for _, f := range []string{"vault.key", "audit-signing.key"} {
		st, err := os.Stat(filepath.Join(data, "keys", f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, err, st)
		}
	}
	// A recorder node with only the public recipient and its own catalogue can store, never read.
	node := t.TempDir()
	wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 1)
	os.WriteFile(filepath.Join(node, "a.wav"), wav, 0o600)
	os.WriteFile(filepath.Join(node, "a.json"), metaJSON("rec-only-1", nil), 0o600)
	recipient := filepath.Join(data, "keys", "vault.recipient")
	code, out, errOut = cli(t, "ingest", "--data", filepath.Join(node, "d"), "--recipient", recipient, filepath.Join(node, "a.wav"), "--meta", filepath.Join(node, "a.json"))
	if code != 0 {
		t.Fatalf("ingest on recorder-only node: %d %s %s", code, out, errOut)
	}
	id := strings.Fields(out)[0]
	if _, err := os.Stat(filepath.Join(node, "d", "keys", "vault.key")); !os.IsNotExist(err) {
		t.Errorf("recorder-only node created a private key (%v)", err)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	registerConfigFlags(fs)
	fs.Parse([]string{"--data", filepath.Join(node, "d"), "--recipient", recipient})
	cfg, _ := LoadConfig(fs, func(string) string { return "" })
	m := NewMain(cfg, io.Discard, io.Discard)
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Archive.Open(context.Background(), "test", id, "try"); !callvault.IsKind(err, callvault.KindForbidden) {
		t.Errorf("open on recorder-only node: %v, want forbidden", err)
	}
}

func TestIngestCommand(t *testing.T) {
	data, src := t.TempDir(), t.TempDir()
	var wavs [][]byte
	for i, name := range []string{"a", "b", "sub/c"} {
		wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 0.5)
		wavs = append(wavs, wav)
		p := filepath.Join(src, name+".wav")
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, wav, 0o600)
		if i < 2 {
			os.WriteFile(filepath.Join(src, name+".json"), metaJSON("dir-"+name, map[string]any{"source": "import"}), 0o600)
		}
	}
	os.WriteFile(filepath.Join(src, "broken.wav"), []byte("not a wav"), 0o600)
	code, out, errOut := cli(t, "ingest", "--data", data, "--dir", src)
	if code == 0 || !strings.Contains(errOut, "broken.wav") || !strings.Contains(errOut, "1 of 4") {
		t.Fatalf("ingest --dir with a broken file: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := strings.Count(out, "\tstored\t"); n != 3 {
		t.Fatalf("stored %d files, want 3:\n%s", n, out)
	}
	if !strings.Contains(errOut, "4/4 files") {
		t.Errorf("no progress bar in %q", errOut)
	}
	os.Remove(filepath.Join(src, "broken.wav"))
	// Without a NAME.json the start time is the file's modification time, checked like any
	// start time: a file from a recorder with an unset clock (1970) needs its metadata file.
	epoch := filepath.Join(src, "epoch.wav")
	os.WriteFile(epoch, wavs[0], 0o600)
	os.Chtimes(epoch, time.Unix(0, 0), time.Unix(0, 0))
	code, _, errOut = cli(t, "ingest", "--data", data, "--dir", src)
	if code == 0 || !strings.Contains(errOut, "epoch.wav") || !strings.Contains(errOut, "before 2000-01-01") || !strings.Contains(errOut, "epoch.json") {
		t.Fatalf("ingest --dir of a 1970 file: exit %d\n%s", code, errOut)
	}
	os.Remove(epoch)
	code, out, _ = cli(t, "ingest", "--data", data, "--dir", src)
	if code != 0 || strings.Count(out, "already stored") != 3 {
		t.Fatalf("re-import: exit %d\n%s", code, out)
	}
	// Single file, and bad metadata refused with the field named.
	bad := filepath.Join(src, "bad.json")
	os.WriteFile(bad, []byte(`{"started_at":"yesterday","source":"import","source_id":"x"}`), 0o600)
	code, _, errOut = cli(t, "ingest", "--data", data, filepath.Join(src, "a.wav"), "--meta", bad)
	if code == 0 || !strings.Contains(errOut, "started_at") {
		t.Errorf("bad metadata: exit %d %q", code, errOut)
	}
	code, out, _ = cli(t, "audit", "export", "--data", data, "--since", "2000-01-01")
	if code != 0 || strings.Count(out, `"action":"recording.ingest"`) != 3 || !bytes.Contains([]byte(out), []byte(`"prev_hash"`)) {
		t.Errorf("export: exit %d\n%s", code, out)
	}
	if code, out, e := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Errorf("verify: %s %s", out, e)
	}
}

func TestRetentionRun(t *testing.T) {
	data, src := t.TempDir(), t.TempDir()
	for name, started := range map[string]string{"old": "2020-01-01T10:00:00Z", "new": time.Now().UTC().Format(time.RFC3339)} {
		wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.2)
		os.WriteFile(filepath.Join(src, name+".wav"), wav, 0o600)
		os.WriteFile(filepath.Join(src, name+".json"), metaJSON("ret-"+name, map[string]any{"started_at": started, "ended_at": nil}), 0o600)
	}
	if code, out, e := cli(t, "ingest", "--data", data, "--dir", src); code != 0 {
		t.Fatalf("ingest: %s %s", out, e)
	}
	code, out, e := cli(t, "retention", "run", "--data", data)
	if code != 0 || !strings.Contains(out, "deleted 1 recordings") {
		t.Fatalf("retention run: exit %d %q %q", code, out, e)
	}
	code, out, _ = cli(t, "retention", "run", "--data", data)
	if code != 0 || !strings.Contains(out, "deleted 0 recordings") {
		t.Fatalf("second retention run: exit %d %q", code, out)
	}
	if code, out, e := cli(t, "audit", "verify", "--data", data); code != 0 || !strings.Contains(out, "recordings: 1") {
		t.Fatalf("verify after retention: %s %s", out, e)
	}
	_, out, _ = cli(t, "audit", "export", "--data", data)
	if strings.Count(out, `"action":"recording.delete"`) != 1 || !strings.Contains(out, "retention period ended") {
		t.Errorf("no deletion receipt in the audit log:\n%s", out)
	}
}

func TestReportAnnouncements(t *testing.T) {
	data, src := t.TempDir(), t.TempDir()
	started := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	for name, extra := range map[string]map[string]any{
		"heard":    {"announcement_played": "yes"},
		"unknown":  {"announcement_played": nil},
		"silent":   {"announcement_played": "no"},
		"outbound": {"announcement_played": nil, "direction": "outbound"},
	} {
		extra["started_at"], extra["ended_at"] = started, nil
		wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.1)
		os.WriteFile(filepath.Join(src, name+".wav"), wav, 0o600)
		os.WriteFile(filepath.Join(src, name+".json"), metaJSON("ann-"+name, extra), 0o600)
	}
	if code, out, e := cli(t, "ingest", "--data", data, "--dir", src); code != 0 {
		t.Fatalf("ingest: %s %s", out, e)
	}
	code, out, e := cli(t, "report", "announcements", "--data", data)
	if code != 0 || !strings.Contains(out, "2 of 3 inbound calls") {
		t.Fatalf("report: exit %d\n%s%s", code, out, e)
	}
	if !strings.Contains(out, "unknown") || !strings.Contains(out, " no ") || !strings.Contains(out, "+447700900123") {
		t.Errorf("report does not list the calls:\n%s", out)
	}
	if code, _, e := cli(t, "report", "announcements", "--data", data, "--since", "last tuesday"); code != 2 || !strings.Contains(e, "--since") {
		t.Errorf("bad --since: %d %s", code, e)
	}
	_, out, _ = cli(t, "audit", "export", "--data", data)
	if !strings.Contains(out, `"action":"report.read"`) {
		t.Error("the report was not audited")
	}
}

func TestFailedTokensAreAuditedWithoutFlooding(t *testing.T) {
	s := startServer(t, "")
	wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.1)
	for i := 0; i < 5; i++ {
		if r := uploadWAV(t, s.url, "cv_guess"+strings.Repeat("x", i), "g", wav); r.status != 401 {
			t.Fatalf("bad token got %d", r.status)
		}
	}
	if n := countEvents(t, s.main, callvault.ActionLoginFailed); n != 1 {
		t.Errorf("%d login_failed events for 5 guesses in a minute, want 1", n)
	}
	// The 4 guesses over HTTP not logged yet are written at shutdown, before server.stop.
	data := s.data
	s.stop()
	evs := eventsOf(t, data, "")
	stop, summary := evs[len(evs)-1], evs[len(evs)-2]
	if stop.Action != callvault.ActionServerStop || summary.Action != callvault.ActionLoginFailed || summary.Object != "client:127.0.0.1" ||
		!strings.Contains(summary.Detail, `"earlier_failures_not_logged":4`) || !strings.Contains(summary.Detail, `"summary":true`) {
		t.Errorf("last events at shutdown:\n%+v\n%+v", summary, stop)
	}
}
