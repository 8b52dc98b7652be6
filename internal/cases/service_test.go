package cases_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/sqlite"
)

type notes struct{ to map[string][]string }

func (n *notes) CaseOpened(_ context.Context, c *callvault.Case, dpos []*callvault.User) error {
	for _, u := range dpos {
		n.to[c.Reference] = append(n.to[c.Reference], u.Name)
	}
	return nil
}

// holds records the holder's calls.
type holds struct {
	calls []string
	fail  error // what Hold answers, when set
}

func (h *holds) Hold(_ context.Context, _, caseID, rid, _ string) error {
	if h.fail != nil {
		return h.fail
	}
	h.calls = append(h.calls, "hold "+rid)
	return nil
}

func (h *holds) Release(_ context.Context, _, caseID, rid, _ string) error {
	h.calls = append(h.calls, "release "+rid)
	return nil
}

type fixture struct {
	svc   *cases.Service
	users map[string]*callvault.Principal
	recs  []string
	notes *notes
	holds *holds
	now   time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{users: map[string]*callvault.Principal{}, notes: &notes{to: map[string][]string{}}, holds: &holds{},
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	f.svc = &cases.Service{Rules: &access.Rules{}, Store: db, Recordings: db, Notifier: f.notes, Holder: f.holds,
		Now: func() time.Time { return f.now }}
	for _, name := range []string{"dan", "dora", "dee", "gone"} {
		roles := []callvault.Role{callvault.RoleDPO}
		if name == "dan" {
			roles = []callvault.Role{callvault.RoleDirector}
		}
		u := &callvault.User{ID: callvault.NewID(), Name: name, Roles: roles, CreatedAt: f.now}
		if name == "gone" {
			u.DisabledAt = &f.now
		}
		if err := db.CreateUser(context.Background(), u, &callvault.AuditEvent{Actor: "cli:t", Action: callvault.ActionUserCreate}); err != nil {
			t.Fatal(err)
		}
		f.users[name] = &callvault.Principal{Kind: callvault.PrincipalUser, ID: u.ID, Name: name, Actor: u.Actor(), Roles: roles,
			SecondFactor: true, NoticeAcknowledged: true}
	}
	for i, name := range []string{"José Núñez", "Jose Nunez", "Ann Other"} {
		r := &callvault.Recording{ID: callvault.NewID(), StartedAt: time.Date(2026, 11, 20, 10, i, 0, 0, time.UTC),
			Extensions: []string{"201"}, Parties: []callvault.Party{{Name: name, Role: "caller"}},
			Source: callvault.SourceUpload, SourceID: name, RetainUntil: f.now.AddDate(1, 0, 0), CreatedAt: f.now}
		if err := db.CreateRecording(context.Background(), r, &callvault.AuditEvent{Actor: "t", Action: callvault.ActionRecordingIngest}); err != nil {
			t.Fatal(err)
		}
		f.recs = append(f.recs, r.ID)
	}
	return f
}

func (f *fixture) open(t *testing.T, who string, typ callvault.CaseType) *callvault.Case {
	t.Helper()
	c, err := f.svc.Open(context.Background(), f.users[who], cases.OpenInput{Type: typ, ReceivedAt: "2026-01-31"})
	if err != nil {
		t.Fatalf("Open(%s, %s): %v", who, typ, err)
	}
	return c
}

// Opening tells every enabled DPO, gives a SAR its due date and none
// to other types; a Director opens complaints, not disciplinary cases; bad input names the field.
func TestOpen(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sar := f.open(t, "dora", callvault.CaseSubjectAccess)
	// No 31 February: the last day, 28 February 2026, is a Saturday; the next working day is 2 March.
	if sar.Reference != "SAR-2026-0001" || sar.DueDate != "2026-03-02" || sar.Region != "england-and-wales" {
		t.Errorf("SAR opened: reference %s due %s in %s, want SAR-2026-0001 due 2026-03-02 in england-and-wales", sar.Reference, sar.DueDate, sar.Region)
	}
	if got := f.notes.to[sar.Reference]; !slices.Equal(got, []string{"dee", "dora"}) && !slices.Equal(got, []string{"dora", "dee"}) {
		t.Errorf("opening told %v, want the enabled DPOs dora and dee", got)
	}
	cmp := f.open(t, "dan", callvault.CaseComplaint)
	if cmp.DueDate != "" || cmp.Reference != "CMP-2026-0001" {
		t.Errorf("complaint: due %q reference %s", cmp.DueDate, cmp.Reference)
	}
	_, err := f.svc.Open(ctx, f.users["dan"], cases.OpenInput{Type: callvault.CaseDisciplinary, ReceivedAt: "2026-01-31"})
	if access.DeniedCode(err) != access.CodeForbidden {
		t.Errorf("a Director opening a disciplinary case: %v", err)
	}
	if _, err := f.svc.Get(ctx, f.users["dan"], sar.ID); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("a Director reading a SAR: %v", err)
	}
	for _, in := range []cases.OpenInput{
		{Type: "parking", ReceivedAt: "2026-01-31"},
		{Type: callvault.CaseSubjectAccess},
		{Type: callvault.CaseSubjectAccess, ReceivedAt: "2027-01-01"},
		{Type: callvault.CaseSubjectAccess, ReceivedAt: "0001-01-01"},
		{Type: callvault.CaseComplaint, ReceivedAt: "1989-12-31T23:00:00Z"},
		{Type: callvault.CaseSubjectAccess, ReceivedAt: "2026-01-31", Subjects: callvault.CaseSubjects{Names: []string{string(make([]byte, 201))}}},
	} {
		if _, err := f.svc.Open(ctx, f.users["dora"], in); len(callvault.FieldErrorsOf(err)) == 0 {
			t.Errorf("Open(%+v): %v, want field errors", in, err)
		}
	}
}

// Names are found case-insensitively, and a name typed with accents also finds it indexed
// without them; the criteria keep the name as typed; the recordings a case includes are held
// until it closes.
func TestSearchIncludeHoldClose(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.open(t, "dora", callvault.CaseSubjectAccess)
	res, err := f.svc.Search(ctx, f.users["dora"], c.ID, cases.SearchInput{Names: []string{"  JOSÉ   núñez "}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range res.Recordings {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, f.recs[:2]) {
		t.Errorf("found %v, want %v", ids, f.recs[:2])
	}
	yes, no := true, false
	dora := f.users["dora"]
	if _, err := f.svc.Include(ctx, dora, c.ID, cases.IncludeInput{RecordingID: f.recs[2], Include: &yes, Reason: "r"}); len(callvault.FieldErrorsOf(err)) == 0 {
		t.Errorf("including what no search found: %v", err)
	}
	for _, step := range []struct {
		id string
		in *bool
	}{{f.recs[0], &yes}, {f.recs[1], &yes}, {f.recs[1], &no}, {f.recs[0], &yes}} {
		if _, err := f.svc.Include(ctx, dora, c.ID, cases.IncludeInput{RecordingID: step.id, Include: step.in, Reason: "because"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Close(ctx, dora, c.ID, cases.CloseInput{Outcome: "answered"}); err != nil {
		t.Fatal(err)
	}
	// Including again holds again (the real holder keeps one hold per case and recording).
	want := []string{"hold " + f.recs[0], "hold " + f.recs[1], "release " + f.recs[1], "hold " + f.recs[0], "release " + f.recs[0]}
	if !slices.Equal(f.holds.calls, want) {
		t.Errorf("holder calls %v, want %v", f.holds.calls, want)
	}
	if _, err := f.svc.Search(ctx, dora, c.ID, cases.SearchInput{Extensions: []string{"201"}}); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("search of a closed case: %v", err)
	}

	// A hold that cannot be placed leaves the recording out of the case: never included unheld.
	c2 := f.open(t, "dora", callvault.CaseSubjectAccess)
	if _, err := f.svc.Search(ctx, dora, c2.ID, cases.SearchInput{Extensions: []string{"201"}}); err != nil {
		t.Fatal(err)
	}
	f.holds.fail = callvault.Errorf(callvault.KindUnavailable, "the hold store is down")
	if _, err := f.svc.Include(ctx, dora, c2.ID, cases.IncludeInput{RecordingID: f.recs[2], Include: &yes, Reason: "r"}); err == nil {
		t.Errorf("an include whose hold failed succeeded")
	}
	if got, err := f.svc.Get(ctx, dora, c2.ID); err != nil || len(got.Included()) != 0 {
		t.Errorf("the case includes %v unheld (%v)", got.Included(), err)
	}
	f.holds.fail = nil
	got, err := f.svc.Get(ctx, dora, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.History) != 7 || got.Closing == nil || len(got.Searches) != 1 || got.Searches[0].Criteria.Names[0] != "JOSÉ   núñez" {
		t.Errorf("the closed case: %d history lines, closing %v, searches %+v", len(got.History), got.Closing, got.Searches)
	}
}

// FuzzSearchInput: any search input is answered with results or field errors, never a panic or
// another error, and every number kept in the criteria is E.164.
func FuzzSearchInput(f *testing.F) {
	f.Add("07700 900123", "Zoë", "201", "2026-01-01", "2026-02-01")
	f.Add("sip:+447700900123@pbx", "", "", "", "")
	f.Add("tel:%2B44", "\u200b", "x", "2026-13-01", "bad")
	fx := newFixture(f)
	c, err := fx.svc.Open(context.Background(), fx.users["dora"], cases.OpenInput{Type: callvault.CaseExternalBody, ReceivedAt: "2026-01-31",
		External: &cases.ExternalInput{Body: "a police force", LegalBasis: "DPA 2018 Schedule 2 paragraph 2"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, number, name, ext, from, to string) {
		res, err := fx.svc.Search(context.Background(), fx.users["dora"], c.ID,
			cases.SearchInput{Numbers: []string{number}, Names: []string{name}, Extensions: []string{ext}, From: from, To: to})
		if err != nil {
			if len(callvault.FieldErrorsOf(err)) == 0 && !callvault.IsKind(err, callvault.KindInvalid) {
				t.Fatalf("search error %v is not a field error", err)
			}
			return
		}
		for _, n := range res.Criteria.E164 {
			if len(n) < 2 || n[0] != '+' {
				t.Fatalf("criteria number %q is not E.164", n)
			}
		}
	})
}

// The clock: a stop for identity shows the case as stopped on the desk; the answer restarts
// the month from the day it arrived; an extension adds two months once, and only before the
// original due date; other steps are refused.
func TestClock(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dora := f.users["dora"]
	c := f.open(t, "dora", callvault.CaseSubjectAccess) // received 31 January 2026, due 2 March
	step := func(in cases.ClockInput) *callvault.Case {
		t.Helper()
		got, err := f.svc.Clock(ctx, dora, c.ID, in)
		if err != nil {
			t.Fatalf("Clock(%+v): %v", in, err)
		}
		return got
	}
	desk := func(due string) int {
		vs, err := f.svc.List(ctx, dora, due)
		if err != nil {
			t.Fatal(err)
		}
		return len(vs)
	}
	if got := step(cases.ClockInput{Action: "stop", Reason: "identity", Date: "2026-02-02"}); !got.Stopped || got.DueDate != "" {
		t.Errorf("stopped: %v due %q", got.Stopped, got.DueDate)
	}
	if desk(cases.DueStopped) != 1 || desk(cases.DueOverdue) != 0 {
		t.Errorf("the desk does not show the stopped case as stopped")
	}
	if _, err := f.svc.Clock(ctx, dora, c.ID, cases.ClockInput{Action: "stop", Reason: "clarification", Date: "2026-02-03"}); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("stopping a stopped clock: %v", err)
	}
	if got := step(cases.ClockInput{Action: "restart", Date: "2026-02-10"}); got.Stopped || got.DueDate != "2026-03-10" {
		t.Errorf("restarted: stopped %v due %q, want 2026-03-10", got.Stopped, got.DueDate)
	}
	if _, err := f.svc.Clock(ctx, dora, c.ID, cases.ClockInput{Action: "extend", Months: 2, Date: "2026-03-01"}); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("an extension without a reason: %v", err)
	}
	if got := step(cases.ClockInput{Action: "extend", Months: 2, Reason: "many recordings to review", Date: "2026-03-01"}); got.DueDate != "2026-05-11" { // 10 May is a Sunday
		t.Errorf("extended: due %q, want 2026-05-11", got.DueDate)
	}
	if _, err := f.svc.Clock(ctx, dora, c.ID, cases.ClockInput{Action: "extend", Months: 1, Reason: "again", Date: "2026-03-02"}); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("a second extension: %v", err)
	}
	if desk(cases.DueOverdue) != 1 || desk(cases.DueStopped) != 0 { // the fixture's today is 1 December 2026
		t.Errorf("the desk after the restart")
	}
	late, err := f.svc.Open(ctx, dora, cases.OpenInput{Type: callvault.CaseSubjectAccess, ReceivedAt: "2026-01-05"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Clock(ctx, dora, late.ID, cases.ClockInput{Action: "extend", Months: 1, Reason: "late", Date: "2026-02-20"}); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("an extension after the original due date: %v", err)
	}
	cmp := f.open(t, "dan", callvault.CaseComplaint)
	if _, err := f.svc.Clock(ctx, f.users["dan"], cmp.ID, cases.ClockInput{Action: "stop", Reason: "identity"}); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("a clock step on a complaint: %v", err)
	}
	recent, err := f.svc.Open(ctx, dora, cases.OpenInput{Type: callvault.CaseSubjectAccess, ReceivedAt: "2026-11-30"})
	if err != nil {
		t.Fatal(err)
	}
	for _, date := range []string{"2026-12-02", "1900-01-01", "2026-02-30"} { // the fixture's today is 1 December 2026
		if _, err := f.svc.Clock(ctx, dora, recent.ID, cases.ClockInput{Action: "stop", Reason: "identity", Date: date}); len(callvault.FieldErrorsOf(err)) == 0 {
			t.Errorf("a clock step dated %s: %v, want a field error", date, err)
		}
	}
	if _, err := f.svc.Clock(ctx, dora, c.ID, cases.ClockInput{Action: "pause"}); len(callvault.FieldErrorsOf(err)) == 0 {
		t.Errorf("an unknown clock action: %v", err)
	}
}
