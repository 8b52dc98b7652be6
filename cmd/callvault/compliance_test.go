package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

func getWithToken(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRetentionStatusCLIAndAPI(t *testing.T) {
	data := t.TempDir()
	ids := ingestAt(t, data, map[string]string{"old": "2020-01-01T10:00:00Z", "held": "2020-01-02T10:00:00Z", "new": time.Now().UTC().Format(time.RFC3339)})
	if code, out, e := cli(t, "hold", "add", "--data", data, "--recording", ids["held"], "--reason", "complaint 17", "--review", "2099-01-01", "--case", "C-17"); code != 0 {
		t.Fatalf("hold add: %s %s", out, e)
	}
	status := func() (int, retention.Status, string) {
		code, out, _ := cli(t, "retention", "status", "--data", data, "--json")
		var st retention.Status
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("retention status --json: %v\n%s", err, out)
		}
		return code, st, out
	}
	code, st, out := status()
	if code != 0 || st.ExpiredNotDeleted != 1 || st.HeldExpired != 1 || st.Live != 3 || st.LastSweep != nil || !st.Healthy || st.Oldest.ID != ids["old"] ||
		!strings.Contains(out, `"destroyed": []`) || !strings.Contains(out, `"hold"`) ||
		!strings.Contains(out, `"`+callvault.EpochFor(time.Now(), time.Now())+`"`) {
		t.Fatalf("status before a sweep (the epochs live: the hold key and this month's, none destroyed): exit %d\n%s", code, out)
	}
	if code, out, e := cli(t, "retention", "run", "--data", data); code != 0 {
		t.Fatalf("retention run: %s %s", out, e)
	}
	code, st, out = status()
	if code != 0 || st.ExpiredNotDeleted != 0 || st.HeldExpired != 1 || st.LastSweep == nil || st.LastSweep.Deleted != 1 || st.LastSweep.Held != 1 ||
		len(st.Holds) != 1 || st.Holds[0].CaseID != "C-17" || st.Holds[0].Reason != "complaint 17" || st.Holds[0].ReviewAt.IsZero() {
		t.Fatalf("status after a sweep: exit %d\n%s", code, out)
	}
	if code, out, _ := cli(t, "retention", "status", "--data", data); code != 0 || !strings.Contains(out, "past retention, not deleted: 0 (held: 1)") ||
		!strings.Contains(out, "case C-17: complaint 17") || !strings.Contains(out, "status: ok") || !strings.Contains(out, "key epochs live: ") {
		t.Fatalf("retention status: exit %d\n%s", code, out)
	}

	// Over HTTP: an auditor's read; the deep health check follows the sweeps; /readyz does not.
	auditor := createToken(t, data, "auditor", "auditor")
	recorder := createToken(t, data, "recorder", "pbx")
	var once sync.Once
	swept := make(chan struct{})
	s := startServerWith(t, func(m *Main) {
		m.onJobPoll = func(job, _ string, held bool) {
			if job == retention.LeaseName && held {
				once.Do(func() { close(swept) })
			}
		}
	}, "--data", data, "--metrics", "127.0.0.1:0", "--sweep-fail-after", "1h")
	<-swept // the scheduler's first sweep has run and been recorded
	api := s.url + "/api/v1/compliance/retention"
	if code, _ := getWithToken(t, api, ""); code != http.StatusUnauthorized {
		t.Errorf("compliance status without a token: %d", code)
	}
	if code, _ := getWithToken(t, api, recorder); code != http.StatusForbidden {
		t.Errorf("compliance status with a recorder token: %d", code)
	}
	code, body := getWithToken(t, api, auditor)
	var got retention.Status
	if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.ExpiredNotDeleted != 0 || got.HeldExpired != 1 || !got.Healthy {
		t.Fatalf("compliance status: %d %s", code, body)
	}
	if code, body := getWithToken(t, s.url+"/healthz?deep=1", ""); code != http.StatusOK {
		t.Fatalf("deep health with healthy sweeps: %d %s", code, body)
	}
	metric := func() string {
		_, body := getWithToken(t, s.main.MetricsURL, "")
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, "callvault_retention_sweep_healthy ") {
				return l
			}
		}
		t.Fatalf("no sweep health metric:\n%s", body)
		return ""
	}
	if m := metric(); m != "callvault_retention_sweep_healthy 1" {
		t.Fatalf("metric with healthy sweeps: %q", m)
	}

	// Sweeps that have failed for two hours (longer than --sweep-fail-after 1h).
	rs := s.main.Catalogue.(callvault.RetentionStore)
	if err := rs.RecordSweep(context.Background(), &callvault.SweepRun{Node: "n", StartedAt: time.Now().Add(-2 * time.Hour), FinishedAt: time.Now(), Error: "blob store unavailable"}); err != nil {
		t.Fatal(err)
	}
	if code, body := getWithToken(t, s.url+"/healthz?deep=1", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "failing") {
		t.Errorf("deep health with failing sweeps: %d %s", code, body)
	}
	if code, _ := getWithToken(t, s.url+"/healthz", ""); code != http.StatusOK {
		t.Errorf("shallow health with failing sweeps: %d", code)
	}
	if code, _ := getWithToken(t, s.url+"/readyz", ""); code != http.StatusOK {
		t.Errorf("readiness with failing sweeps: %d", code)
	}
	if m := metric(); m != "callvault_retention_sweep_healthy 0" {
		t.Errorf("metric with failing sweeps: %q", m)
	}
	if code, body := getWithToken(t, api, auditor); code != http.StatusOK || !strings.Contains(body, `"healthy":false`) || !strings.Contains(body, "blob store unavailable") {
		t.Errorf("compliance status with failing sweeps: %d %s", code, body)
	}
	s.stop()
	if code, _, e := cli(t, "retention", "status", "--data", data, "--sweep-fail-after", "1h"); code != 1 || !strings.Contains(e, "not healthy") {
		t.Errorf("retention status with failing sweeps: exit %d %q", code, e)
	}
}

// Changing --retention-months recomputes existing recordings' retain_until on the next run, and
// that run deletes what the new setting put past retention.
func TestRetentionMonthsChange(t *testing.T) {
	data := t.TempDir()
	fourMonths := time.Now().AddDate(0, -4, 0).UTC().Format(time.RFC3339)
	ingestAt(t, data, map[string]string{"four": fourMonths, "new": time.Now().UTC().Format(time.RFC3339)})
	if code, out, _ := cli(t, "retention", "run", "--data", data); code != 0 || !strings.Contains(out, "deleted 0 recordings") {
		t.Fatalf("run with 6 months: %q", out)
	}
	code, out, e := cli(t, "retention", "run", "--data", data, "--retention-months", "3")
	if code != 0 || !strings.Contains(out, "deleted 1 recordings") {
		t.Fatalf("run with 3 months: exit %d %q %q", code, out, e)
	}
	_, out, _ = cli(t, "audit", "export", "--data", data)
	if !strings.Contains(out, `"action":"retention.recompute"`) || !strings.Contains(out, `\"months\":3`) {
		t.Errorf("the recompute is not audited")
	}
	if code, out, e := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Fatalf("audit verify: %s %s", out, e)
	}
}

// A stray argument is refused, not ignored: `fsck --repair /srv/other` must not check (and
// repair) the default vault instead of the one meant.
func TestRetentionAndFsckRefuseStrayArguments(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{
		{"fsck", "--repair", "/srv/other", "--data", data},
		{"retention", "status", "--json", "extra", "--data", data},
		{"retention", "run", "extra", "--data", data},
	} {
		if code, _, e := cli(t, args...); code != 2 || !strings.Contains(e, "unexpected argument") {
			t.Errorf("%v: exit %d %q, want a usage error naming the argument", args, code, e)
		}
	}
}
