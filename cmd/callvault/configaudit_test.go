package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// eventsOf returns the events of the vault at data with the given action ("" for all), in order.
func eventsOf(t *testing.T, data, action string) []*callvault.AuditEvent {
	t.Helper()
	m := mainFor(t, "--data", data)
	defer m.Close()
	return events(t, m, action)
}

// events returns m's audit events with the given action ("" for all), in order.
func events(t *testing.T, m *Main, action string) []*callvault.AuditEvent {
	t.Helper()
	var out []*callvault.AuditEvent
	for after := int64(0); ; {
		evs, err := m.Catalogue.AuditEvents(context.Background(), after, 5000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, ev := range evs {
			if action == "" || ev.Action == action {
				out = append(out, ev)
			}
		}
		after = evs[len(evs)-1].Seq
	}
}

// TestConfigChangeAudited: a server that starts with settings other than the previous start's
// appends a config.change event naming each changed setting, old and new, just before its
// server.start; the same settings again append none.
func TestConfigChangeAudited(t *testing.T) {
	data := t.TempDir()
	startServer(t, data).stop()
	if evs := eventsOf(t, data, callvault.ActionConfigChange); len(evs) != 0 {
		t.Fatalf("first start recorded a change: %+v", evs)
	}
	startServer(t, data, "--retention-months", "7", "--sip-allow", "192.0.2.0/24").stop()
	changes := eventsOf(t, data, callvault.ActionConfigChange)
	if len(changes) != 1 {
		t.Fatalf("%d config.change events after a changed start, want 1", len(changes))
	}
	var d struct {
		Changed map[string]struct{ Old, New any } `json:"changed"`
		Prev    int64                             `json:"previous_start_seq"`
	}
	if err := json.Unmarshal([]byte(changes[0].Detail), &d); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ Old, New any }{"retention_months": {"6", "7"}, "sip_allow": {"", "192.0.2.0/24"}}
	if len(d.Changed) != len(want) || d.Changed["retention_months"] != want["retention_months"] || d.Changed["sip_allow"] != want["sip_allow"] {
		t.Errorf("changed = %+v, want %+v", d.Changed, want)
	}
	starts := eventsOf(t, data, callvault.ActionServerStart)
	if len(starts) != 2 || d.Prev != starts[0].Seq || starts[1].Seq != changes[0].Seq+1 || changes[0].Actor != string(callvault.ActorSystem) {
		t.Errorf("config.change %d (previous start %d) is not right before the second server.start: starts %d, %d",
			changes[0].Seq, d.Prev, starts[0].Seq, starts[1].Seq)
	}
	startServer(t, data, "--retention-months", "7", "--sip-allow", "192.0.2.0/24").stop()
	if n := len(eventsOf(t, data, callvault.ActionConfigChange)); n != 1 {
		t.Errorf("a start with unchanged settings recorded a change (%d events)", n)
	}
}

// TestConfigChangesRedacted: the changes are computed on the redacted snapshots, so a changed
// password is not recorded (neither value is), while a changed user is.
func TestConfigChangesRedacted(t *testing.T) {
	a, b := DefaultConfig(), DefaultConfig()
	a.DB, b.DB = "postgres://cv:secret1@db.example/cv", "postgres://cv:secret2@db.example/cv"
	if got := configChanges(a.redacted(), b.redacted()); len(got) != 0 {
		t.Errorf("a password change shows: %v", got)
	}
	b.DB = "postgres://other:secret2@db.example/cv"
	got := configChanges(a.redacted(), b.redacted())
	if d, _ := json.Marshal(got); len(got) != 1 || strings.Contains(string(d), "secret") ||
		!strings.Contains(string(d), `"new":"postgres://other:REDACTED@db.example/cv"`) {
		t.Errorf("changes = %s", d)
	}
	// A snapshot read back from the log (JSON) compares equal to the one it was written from.
	var back map[string]any
	raw, _ := json.Marshal(a.redacted())
	json.Unmarshal(raw, &back)
	if got := configChanges(back, a.redacted()); len(got) != 0 {
		t.Errorf("round-tripped snapshot differs: %v", got)
	}
}

func TestTokenListAudited(t *testing.T) {
	data := t.TempDir()
	createToken(t, data, "recorder", "pbx")
	if code, out, e := cli(t, "token", "list", "--data", data); code != 0 || !strings.Contains(out, "pbx") {
		t.Fatalf("token list: %d %s %s", code, out, e)
	}
	evs := eventsOf(t, data, callvault.ActionTokenList)
	if len(evs) != 1 || evs[0].Actor != "cli:tester" || evs[0].Detail != `{"tokens":1}` {
		t.Errorf("token list events: %+v", evs)
	}
}

func TestTwilioAuthTokenIsNotAudited(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TwilioAccountSID, cfg.TwilioAuthToken = "AC0123456789abcdef0123456789abcdef", "very-secret-token"
	got := cfg.redacted()
	if got["twilio_auth_token"] != "(set)" || got["twilio_account_sid"] != cfg.TwilioAccountSID {
		t.Errorf("redacted config: token %v, account %v", got["twilio_auth_token"], got["twilio_account_sid"])
	}
	cfg.TwilioAuthToken = ""
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "twilio_account_sid") {
		t.Errorf("an account without a token: %v", err)
	}
}
