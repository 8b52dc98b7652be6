package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// CaseCatalogue is what the case suite needs of a backend: the cases and the audit log their
// changes append to.
type CaseCatalogue interface {
	callvault.CaseStore
	callvault.AuditStore
}

// RunCases runs the conformance suite of callvault.CaseStore. Every subtest gets its own empty
// catalogue from open, which must close it when the test ends.
func RunCases(t *testing.T, open func(t *testing.T) CaseCatalogue) {
	t.Run("CreateAndRead", func(t *testing.T) { testCaseCreate(t, open(t)) })
	t.Run("References", func(t *testing.T) { testCaseReferences(t, open(t)) })
	t.Run("Update", func(t *testing.T) { testCaseUpdate(t, open(t)) })
	t.Run("List", func(t *testing.T) { testCaseList(t, open(t)) })
	t.Run("ConcurrentReferences", func(t *testing.T) { testCaseConcurrent(t, open(t)) })
	t.Run("Import", func(t *testing.T) { testCaseImport(t, open(t)) })
}

// testCaseImport: a case is imported exactly as given (reference, version, closing record),
// once; a reference of another type or one taken is refused; new cases are numbered after it.
func testCaseImport(t *testing.T, s CaseCatalogue) {
	imp, ok := s.(callvault.CaseImporter)
	if !ok {
		t.Fatalf("%T does not implement callvault.CaseImporter; every catalogue backend must", s)
	}
	c := newCase(callvault.CaseSubjectAccess, base)
	c.Reference, c.Version, c.Status = "SAR-2026-0007", 4, callvault.CaseClosed
	c.Closing = &callvault.CaseClosing{At: base, Actor: "user:dora", Outcome: "answered"}
	c.Disclosures = []callvault.CaseDisclosure{{At: base, Actor: "user:dora", ManifestSHA256: "ab", Recordings: []string{callvault.NewID()}}}
	before, err := s.AuditEvents(ctx(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.ImportCase(ctx(), c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Case(ctx(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("imported case differs (-want +got):\n%s", diff)
	}
	if after, _ := s.AuditEvents(ctx(), 0, 100); len(after) != len(before) {
		t.Errorf("ImportCase appended %d audit events, want none", len(after)-len(before))
	}
	if err := imp.ImportCase(ctx(), c); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("importing it again: %v, want a conflict", err)
	}
	dup := newCase(callvault.CaseSubjectAccess, base)
	dup.Reference, dup.Version = "SAR-2026-0007", 1
	if err := imp.ImportCase(ctx(), dup); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("importing a taken reference: %v, want a conflict", err)
	}
	for _, ref := range []string{"CMP-2026-0001", "SAR-2026-0000", "SAR-26-1", ""} {
		bad := newCase(callvault.CaseSubjectAccess, base)
		bad.Reference, bad.Version = ref, 1
		if err := imp.ImportCase(ctx(), bad); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("importing reference %q: %v, want invalid", ref, err)
		}
	}
	next := newCase(callvault.CaseSubjectAccess, base)
	createCase(t, s, next)
	if next.Reference != "SAR-2026-0008" {
		t.Errorf("the case after an import is %s, want SAR-2026-0008", next.Reference)
	}
}

func newCase(typ callvault.CaseType, opened time.Time) *callvault.Case {
	opened = opened.UTC().Truncate(time.Microsecond)
	return &callvault.Case{
		ID: callvault.NewID(), Type: typ, Status: callvault.CaseOpen,
		ReceivedAt: opened.Add(-26 * time.Hour), OpenedAt: opened, OpenedBy: "user:dora",
		DueDate: "2026-04-13", Region: "england-and-wales",
		Subjects: callvault.CaseSubjects{Numbers: []string{"07700 900123"}, Names: []string{"Zoë O'Brien"}},
		History:  []callvault.CaseStep{{At: opened, Actor: "user:dora", Step: "opened", Status: "open", Detail: "quote \" and \u00e9"}},
	}
}

func createCase(t testing.TB, s CaseCatalogue, c *callvault.Case) {
	t.Helper()
	if err := s.CreateCase(ctx(), c, newEvent(callvault.ActionCaseOpen, c.ID)); err != nil {
		t.Fatalf("CreateCase(%s): %v", c.Type, err)
	}
}

func testCaseCreate(t *testing.T, s CaseCatalogue) {
	c := newCase(callvault.CaseSubjectAccess, base)
	ev := newEvent(callvault.ActionCaseOpen, c.ID)
	if err := s.CreateCase(ctx(), c, ev); err != nil {
		t.Fatal(err)
	}
	if c.Reference != "SAR-2026-0001" || c.Version != 1 || ev.Seq == 0 {
		t.Fatalf("after CreateCase: reference %q version %d event seq %d", c.Reference, c.Version, ev.Seq)
	}
	got, err := s.Case(ctx(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c, got); d != "" {
		t.Errorf("Case differs from what was created (-want +got):\n%s", d)
	}
	head, err := s.AuditHead(ctx())
	if err != nil || head == nil || head.Action != callvault.ActionCaseOpen || head.Object != c.ID {
		t.Errorf("audit head after CreateCase: %+v, %v", head, err)
	}
	// The same ID again: a conflict, and nothing written (no audit event either).
	again := newCase(callvault.CaseComplaint, base)
	again.ID = c.ID
	wantKind(t, s.CreateCase(ctx(), again, newEvent(callvault.ActionCaseOpen, c.ID)), callvault.KindConflict, "CreateCase with a taken ID")
	if h, _ := s.AuditHead(ctx()); h.Seq != head.Seq {
		t.Errorf("a refused CreateCase appended audit event %d", h.Seq)
	}
	bad := newCase("parking", base)
	wantKind(t, s.CreateCase(ctx(), bad, newEvent(callvault.ActionCaseOpen, bad.ID)), callvault.KindInvalid, "CreateCase of an unknown type")
	bad = newCase(callvault.CaseComplaint, base)
	bad.Recordings = []callvault.CaseRecording{{RecordingID: callvault.NewID(), Include: true}}
	wantKind(t, s.CreateCase(ctx(), bad, newEvent(callvault.ActionCaseOpen, bad.ID)), callvault.KindInvalid, "CreateCase with a decision without a reason")
	wantKind(t, s.CreateCase(ctx(), newCase(callvault.CaseComplaint, base), nil), callvault.KindInvalid, "CreateCase without an event")
	_, err = s.Case(ctx(), callvault.NewID())
	wantKind(t, err, callvault.KindNotFound, "Case of an unknown ID")
}

func testCaseReferences(t *testing.T, s CaseCatalogue) {
	want := []struct {
		typ    callvault.CaseType
		opened time.Time
		ref    string
	}{
		{callvault.CaseSubjectAccess, base, "SAR-2026-0001"},
		{callvault.CaseComplaint, base, "CMP-2026-0001"},
		{callvault.CaseSubjectAccess, base.Add(time.Hour), "SAR-2026-0002"},
		{callvault.CaseSubjectAccess, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "SAR-2027-0001"},
		{callvault.CaseExternalBody, base, "EXT-2026-0001"},
		{callvault.CaseDisciplinary, base, "DIS-2026-0001"},
		{callvault.CaseAbusiveCall, base, "ABU-2026-0001"},
		{callvault.CaseSubjectAccess, base, "SAR-2026-0003"},
	}
	for _, w := range want {
		c := newCase(w.typ, w.opened)
		createCase(t, s, c)
		if c.Reference != w.ref || !callvault.ValidCaseReference(c.Reference) {
			t.Errorf("%s opened %s: reference %q, want %q", w.typ, w.opened, c.Reference, w.ref)
		}
	}
}

func testCaseUpdate(t *testing.T, s CaseCatalogue) {
	c := newCase(callvault.CaseSubjectAccess, base)
	createCase(t, s, c)
	stale := *c
	rid := callvault.NewID()
	c.Recordings = append(c.Recordings, callvault.CaseRecording{RecordingID: rid, Include: true, Reason: "the requester speaks", At: c.OpenedAt, Actor: "user:dora"})
	c.Notes = append(c.Notes, callvault.CaseNote{At: c.OpenedAt, Actor: "user:dora", Text: "ID seen"})
	if err := s.UpdateCase(ctx(), c, newEvent(callvault.ActionCaseInclude, c.ID)); err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 {
		t.Errorf("version after one update: %d, want 2", c.Version)
	}
	got, err := s.Case(ctx(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c, got); d != "" {
		t.Errorf("Case after update (-want +got):\n%s", d)
	}
	// A writer that read version 1 loses, writing nothing.
	stale.Notes = []callvault.CaseNote{{At: c.OpenedAt, Actor: "user:dan", Text: "lost"}}
	head, _ := s.AuditHead(ctx())
	wantKind(t, s.UpdateCase(ctx(), &stale, newEvent(callvault.ActionCaseNote, c.ID)), callvault.KindConflict, "UpdateCase of a stale version")
	if h, _ := s.AuditHead(ctx()); h.Seq != head.Seq {
		t.Errorf("a refused UpdateCase appended audit event %d", h.Seq)
	}
	changed := *got
	changed.Type = callvault.CaseComplaint
	wantKind(t, s.UpdateCase(ctx(), &changed, newEvent(callvault.ActionCaseNote, c.ID)), callvault.KindConflict, "UpdateCase changing the type")
	missing := newCase(callvault.CaseComplaint, base)
	missing.Version = 1
	wantKind(t, s.UpdateCase(ctx(), missing, newEvent(callvault.ActionCaseNote, missing.ID)), callvault.KindNotFound, "UpdateCase of an unknown case")
	// Closing is the last change.
	c.Status = callvault.CaseClosed
	c.Closing = &callvault.CaseClosing{At: c.OpenedAt.Add(time.Hour), Actor: "user:dora", Outcome: "answered"}
	if err := s.UpdateCase(ctx(), c, newEvent(callvault.ActionCaseClose, c.ID)); err != nil {
		t.Fatal(err)
	}
	c.Notes = append(c.Notes, callvault.CaseNote{At: c.OpenedAt, Actor: "user:dora", Text: "after"})
	wantKind(t, s.UpdateCase(ctx(), c, newEvent(callvault.ActionCaseNote, c.ID)), callvault.KindConflict, "UpdateCase of a closed case")
	half := *c
	half.Closing = nil
	wantKind(t, s.UpdateCase(ctx(), &half, newEvent(callvault.ActionCaseNote, c.ID)), callvault.KindInvalid, "a closed case without a closing record")
}

func testCaseList(t *testing.T, s CaseCatalogue) {
	var open, closed []string
	for i := range 5 {
		c := newCase(callvault.CaseTypes[i], base.Add(time.Duration(i)*time.Minute))
		createCase(t, s, c)
		if i%2 == 0 {
			c.Status = callvault.CaseClosed
			c.Closing = &callvault.CaseClosing{At: c.OpenedAt, Actor: "user:dora", Outcome: "done"}
			if err := s.UpdateCase(ctx(), c, newEvent(callvault.ActionCaseClose, c.ID)); err != nil {
				t.Fatal(err)
			}
			closed = append(closed, c.ID)
		} else {
			open = append(open, c.ID)
		}
	}
	ids := func(f callvault.CaseFilter) []string {
		cs, err := s.Cases(ctx(), f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	all := append(append([]string{}, open...), closed...)
	slices.Sort(all)
	if d := cmp.Diff(all, ids(callvault.CaseFilter{})); d != "" {
		t.Errorf("all cases (-want +got):\n%s", d)
	}
	if d := cmp.Diff(open, ids(callvault.CaseFilter{Status: callvault.CaseOpen})); d != "" {
		t.Errorf("open cases (-want +got):\n%s", d)
	}
	if d := cmp.Diff(closed, ids(callvault.CaseFilter{Status: callvault.CaseClosed})); d != "" {
		t.Errorf("closed cases (-want +got):\n%s", d)
	}
	if d := cmp.Diff(all[2:4], ids(callvault.CaseFilter{After: all[1], Limit: 2})); d != "" {
		t.Errorf("a page of cases (-want +got):\n%s", d)
	}
}

func testCaseConcurrent(t *testing.T, s CaseCatalogue) {
	const n = 8
	refs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := newCase(callvault.CaseSubjectAccess, base)
			errs[i] = s.CreateCase(ctx(), c, newEvent(callvault.ActionCaseOpen, c.ID))
			refs[i] = c.Reference
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent CreateCase %d: %v", i, errs[i])
		}
		seen[refs[i]] = true
	}
	for i := 1; i <= n; i++ {
		if ref := fmt.Sprintf("SAR-2026-%04d", i); !seen[ref] {
			t.Errorf("no case got %s (got %v)", ref, refs)
		}
	}
}
