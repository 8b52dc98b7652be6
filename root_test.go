package callvault

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func TestNewIDSortsAndValidates(t *testing.T) {
	now := time.Now()
	var ids []string
	for i := 0; i < 5000; i++ {
		ids = append(ids, newID(now)) // same millisecond: the counter keeps order
	}
	if !sort.StringsAreSorted(ids) {
		t.Error("IDs made in one millisecond do not sort in creation order")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !ValidID(id) || seen[id] || id[14] != '7' {
			t.Fatalf("bad or repeated UUIDv7 %q", id)
		}
		seen[id] = true
	}
	if later := newID(now.Add(time.Second)); later <= ids[len(ids)-1] {
		t.Error("a later ID sorts before an earlier one")
	}
	for _, bad := range []string{"", "0193", "0193abcd-0000-7000-8000-00000000000G", "0193ABCD-0000-7000-8000-000000000000", "0193abcd00000-7000-8000-000000000000"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q)", bad)
		}
	}
}

func TestAuditHashChain(t *testing.T) {
	at := time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
	a := &AuditEvent{Time: at, Actor: "token:pbx", Action: ActionRecordingIngest, Object: "recording:1"}
	a.Seal(0, "")
	if a.Seq != 1 || a.PrevHash != GenesisHash || a.Time.Location() != time.UTC || a.Time.Nanosecond()%1000 != 0 {
		t.Fatalf("first event sealed wrong: %+v", a)
	}
	b := &AuditEvent{Time: at, Actor: "token:pbx", Action: ActionRecordingOpen, Object: "recording:1", Purpose: "complaint"}
	b.Seal(a.Seq, a.Hash)
	if b.Seq != 2 || b.PrevHash != a.Hash || b.Hash == a.Hash || b.ComputeHash() != b.Hash {
		t.Fatalf("second event sealed wrong: %+v", b)
	}
	// Every field is covered, and moving text between fields changes the hash.
	base := *b
	for name, edit := range map[string]func(e *AuditEvent){
		"seq":     func(e *AuditEvent) { e.Seq++ },
		"time":    func(e *AuditEvent) { e.Time = e.Time.Add(time.Microsecond) },
		"actor":   func(e *AuditEvent) { e.Actor += "x" },
		"action":  func(e *AuditEvent) { e.Action += "x" },
		"object":  func(e *AuditEvent) { e.Object += "x" },
		"purpose": func(e *AuditEvent) { e.Purpose += "x" },
		"request": func(e *AuditEvent) { e.RequestID = "r" },
		"detail":  func(e *AuditEvent) { e.Detail = "{}" },
		"prev":    func(e *AuditEvent) { e.PrevHash = GenesisHash },
		"shift":   func(e *AuditEvent) { e.Object, e.Purpose = e.Object+e.Purpose, "" },
	} {
		e := base
		edit(&e)
		if e.ComputeHash() == base.Hash {
			t.Errorf("editing %s does not change the hash", name)
		}
	}
	if d := AuditDetail(map[string]any{"b": 1, "a": "x", "empty": "", "nil": nil}); d != `{"a":"x","b":1}` {
		t.Errorf("AuditDetail = %s", d)
	}
}

func TestSubjectsAndFilter(t *testing.T) {
	r := &Recording{
		Extensions:      []string{"201", " 201 "},
		ExternalNumbers: []Number{{E164: "+447700900123", Raw: "07700 900123"}, {Raw: "withheld"}},
		Parties: []Party{
			{Name: "  Jane   DOE ", Number: Number{E164: "+447700900123"}, URI: "SIP:Jane@Example.com"},
			{Name: "Bob"},
		},
	}
	got := map[Subject]bool{}
	for _, s := range r.Subjects() {
		if got[s] {
			t.Errorf("duplicate subject %v", s)
		}
		got[s] = true
	}
	for _, want := range []Subject{{SubjectExtension, "201"}, {SubjectNumber, "+447700900123"}, {SubjectNumber, "withheld"},
		{SubjectName, "jane doe"}, {SubjectName, "bob"}, {SubjectURI, "sip:jane@example.com"}} {
		if !got[want] {
			t.Errorf("missing subject %v in %v", want, got)
		}
	}
	if len(got) != 6 {
		t.Errorf("%d subjects, want 6", len(got))
	}

	f, err := RecordingFilter{Subjects: []Subject{{SubjectName, "JANE doe"}, {SubjectName, "jane  doe"}}}.Normalize()
	if err != nil || len(f.Subjects) != 1 || f.Subjects[0].Value != "jane doe" || f.Limit != DefaultSearchLimit {
		t.Errorf("Normalize: %+v %v", f, err)
	}
	if f, _ := (RecordingFilter{Limit: 5000}).Normalize(); f.Limit != MaxSearchLimit {
		t.Errorf("limit not capped: %d", f.Limit)
	}
	now := time.Now()
	for name, bad := range map[string]RecordingFilter{
		"negative limit": {Limit: -1},
		"unknown kind":   {Subjects: []Subject{{"email", "x"}}},
		"empty value":    {Subjects: []Subject{{SubjectName, "  "}}},
		"range reversed": {From: now, To: now.Add(-time.Hour)},
		"too many":       {Subjects: make([]Subject, MaxSearchSubjects+1)},
	} {
		if _, err := bad.Normalize(); !IsKind(err, KindInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestRecordingValidate(t *testing.T) {
	ok := Recording{ID: NewID(), Source: SourceUpload, SourceID: "x", StartedAt: time.Now(), RetainUntil: time.Now()}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(r *Recording){
		"id":        func(r *Recording) { r.ID = "1" },
		"source":    func(r *Recording) { r.Source = "fax" },
		"source id": func(r *Recording) { r.SourceID = "" },
		"start":     func(r *Recording) { r.StartedAt = time.Time{} },
		"retention": func(r *Recording) { r.RetainUntil = time.Time{} },
	} {
		r := ok
		edit(&r)
		if err := r.Validate(); !IsKind(err, KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if PageLimit(0) != DefaultSearchLimit || PageLimit(5) != 5 || PageLimit(1e6) != MaxSearchLimit {
		t.Error("PageLimit")
	}
}

func TestBlobKeys(t *testing.T) {
	for _, k := range []string{"recordings/2026/11/x.age", "a", "A-b_c.d"} {
		if err := ValidateBlobKey(k); err != nil {
			t.Errorf("%q: %v", k, err)
		}
	}
	for _, k := range []string{"", "/a", "a/", "a//b", "../a", "a/./b", "a b", `a\b`, "é"} {
		if err := ValidateBlobKey(k); !IsKind(err, KindInvalid) {
			t.Errorf("%q accepted", k)
		}
	}
	for _, p := range []string{"", "recordings/", "recordings/20", "rec"} {
		if err := ValidateBlobPrefix(p); err != nil {
			t.Errorf("prefix %q: %v", p, err)
		}
	}
	if err := ValidateBlobPrefix("../"); err == nil {
		t.Error("prefix ../ accepted")
	}
	s, h := NewTokenSecret()
	if len(s) < 40 || s[:3] != TokenPrefix || HashToken(s) != h || len(h) != 64 {
		t.Errorf("token secret %q hash %q", s, h)
	}
}

func TestFieldErrors(t *testing.T) {
	var fe FieldErrors
	if fe.Err() != nil {
		t.Fatal("an empty list is an error")
	}
	fe.Add("purpose", "is required")
	fe.Add("reason", "is required")
	if !IsKind(fe.Err(), KindInvalid) || HTTPStatus(fe.Err()) != 400 {
		t.Errorf("kind %s", ErrorKind(fe.Err()))
	}
	if got := FieldErrorsOf(fe.Err()); len(got) != 2 || got[1].Field != "reason" {
		t.Errorf("FieldErrorsOf = %v", got)
	}
	if msg := ErrorMessage(fe.Err()); !strings.Contains(msg, "purpose: is required; reason: is required") {
		t.Errorf("message %q", msg)
	}
}
