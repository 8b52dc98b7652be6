package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// `callvault case list` and `case show` read the desk from the command line: the open cases of
// every type with their clocks, filtered by --due, and one case by reference (closed ones too);
// bad input is a usage error; every read is audited as the CLI's break-glass read.
func TestCaseListAndShowCLI(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	open := func(typ string, received time.Time) (string, string) {
		t.Helper()
		st, out := dora.call("POST", "/api/v1/cases", map[string]any{"type": typ, "received_at": received.In(callvault.DefaultZone()).Format(time.DateOnly),
			"subjects": map[string]any{"numbers": []string{"07700 900123"}}})
		if st != 201 {
			t.Fatalf("open %s: %d %v", typ, st, out)
		}
		return out["id"].(string), out["reference"].(string)
	}
	now := time.Now()
	_, overdue := open("subject_access", now.AddDate(0, -3, 0))
	_, running := open("subject_access", now)
	stoppedID, stopped := open("subject_access", now)
	if st, out := dora.call("POST", "/api/v1/cases/"+stoppedID+"/clock", map[string]any{"action": "stop", "reason": "identity",
		"date": now.In(callvault.DefaultZone()).Format(time.DateOnly)}); st != 200 {
		t.Fatalf("stop the clock: %d %v", st, out)
	}
	closedID, closed := open("complaint", now)
	_, complaint := open("complaint", now)
	if st, out := dora.call("POST", "/api/v1/cases/"+closedID+"/close", map[string]any{"outcome": "resolved"}); st != 200 {
		t.Fatalf("close: %d %v", st, out)
	}

	list := func(args ...string) []string {
		t.Helper()
		code, out, e := cli(t, append(append([]string{"case", "list", "--json"}, args...), v.stores...)...)
		if code != 0 {
			t.Fatalf("case list %v: exit %d: %s", args, code, e)
		}
		var got struct {
			Cases []struct {
				Reference string `json:"reference"`
				Clock     string `json:"clock"`
			} `json:"cases"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("case list --json: %v\n%s", err, out)
		}
		var refs []string
		for _, c := range got.Cases {
			refs = append(refs, c.Reference)
		}
		return refs
	}
	all := strings.Join(list(), " ")
	for _, ref := range []string{overdue, running, stopped, complaint} {
		if !strings.Contains(all, ref) {
			t.Errorf("case list lacks %s: %s", ref, all)
		}
	}
	if strings.Contains(all, closed) {
		t.Errorf("case list shows the closed %s", closed)
	}
	for due, want := range map[string]string{"overdue": overdue, "due": running, "stopped": stopped} {
		if got := list("--due", due); len(got) != 1 || got[0] != want {
			t.Errorf("case list --due %s = %v, want [%s]", due, got, want)
		}
	}
	if code, out, _ := cli(t, append([]string{"case", "list"}, v.stores...)...); code != 0 || !strings.Contains(out, "REFERENCE") || !strings.Contains(out, overdue) {
		t.Errorf("case list table: %d\n%s", code, out)
	}
	if code, _, e := cli(t, append([]string{"case", "list", "--due", "soon"}, v.stores...)...); code != 2 || !strings.Contains(e, "--due") {
		t.Errorf("case list --due soon: %d %s", code, e)
	}

	code, out, e := cli(t, append([]string{"case", "show", closed}, v.stores...)...)
	if code != 0 {
		t.Fatalf("case show: %d %s", code, e)
	}
	var c map[string]any
	if err := json.Unmarshal([]byte(out), &c); err != nil || c["reference"] != closed || c["status"] != "closed" || c["closing"] == nil {
		t.Errorf("case show %s: %v %v", closed, err, c)
	}
	if code, _, e := cli(t, append([]string{"case", "show", "SAR-1999-0001"}, v.stores...)...); code == 0 || !strings.Contains(e, "no case") {
		t.Errorf("case show of no case: %d %s", code, e)
	}
	if code, _, _ := cli(t, append([]string{"case", "show"}, v.stores...)...); code != 2 {
		t.Errorf("case show without a reference: %d", code)
	}

	var lists, shows, clocks int
	for _, ev := range v.events(t) {
		switch {
		case ev.Actor == "user:dora" && ev.Action == callvault.ActionCaseClock && ev.Object == "case:"+stoppedID &&
			strings.Contains(string(ev.Detail), `"stop"`) && strings.Contains(string(ev.Detail), `"identity"`):
			clocks++ // every stop and restart of the clock is audited
		case ev.Actor == "cli:tester" && ev.Action == "case.list" && ev.Object == "cases":
			lists++
		case ev.Actor == "cli:tester" && ev.Action == "case.read" && ev.Object == "case:"+closedID:
			shows++
		}
	}
	if lists != 5 || shows != 1 || clocks != 1 {
		t.Errorf("audited %d CLI lists (want 5), %d shows (want 1) and %d clock stops (want 1)", lists, shows, clocks)
	}
}
