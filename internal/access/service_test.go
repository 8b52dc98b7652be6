package access_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/sqlite"
)

type recordingNotifier struct {
	mu      sync.Mutex
	calls   map[string][]string // request id -> names notified
	decided map[string]string   // request id -> requester told of the decision
}

func (n *recordingNotifier) RequestDecided(ctx context.Context, r *callvault.AccessRequest, requester *callvault.User) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.decided == nil {
		n.decided = map[string]string{}
	}
	n.decided[r.ID] += requester.Name
	return nil
}

func (n *recordingNotifier) RequestCreated(ctx context.Context, r *callvault.AccessRequest, to []*callvault.User) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, u := range to {
		n.calls[r.ID] = append(n.calls[r.ID], u.Name)
	}
	slices.Sort(n.calls[r.ID])
	return nil
}

type fixture struct {
	svc   *access.Service
	db    *sqlite.DB
	users map[string]*callvault.Principal
	note  *recordingNotifier
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, users: map[string]*callvault.Principal{}, note: &recordingNotifier{calls: map[string][]string{}},
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	f.svc = &access.Service{Rules: &access.Rules{}, Store: db, Recordings: db, Notifier: f.note, Region: "GB",
		Now: func() time.Time { return f.now }}
	for name, roles := range map[string][]callvault.Role{
		"dan": {callvault.RoleDirector}, "mia": {callvault.RoleManager, callvault.RoleStaff}, "max": {callvault.RoleManager},
		"dora": {callvault.RoleDPO}, "sam": {callvault.RoleStaff}, "al": {callvault.RoleAuditor}, "gone": {callvault.RoleManager},
		"del": {callvault.RoleStaff},
	} {
		u := &callvault.User{ID: callvault.NewID(), Name: name, Roles: roles, CreatedAt: f.now}
		if name == "gone" {
			d := f.now
			u.DisabledAt = &d
		}
		if err := db.CreateUser(context.Background(), u, &callvault.AuditEvent{Actor: "cli:t", Action: callvault.ActionUserCreate}); err != nil {
			t.Fatal(err)
		}
		f.users[name] = &callvault.Principal{Kind: callvault.PrincipalUser, ID: u.ID, Name: name, Actor: u.Actor(), Roles: roles,
			SecondFactor: true, NoticeAcknowledged: true}
	}
	for i, ext := range []string{"201", "201", "202"} {
		r := &callvault.Recording{ID: callvault.NewID(), StartedAt: time.Date(2026, 11, 20, 10, i*10, 0, 0, time.UTC),
			Extensions: []string{ext}, Source: callvault.SourceUpload, SourceID: ext + string(rune('a'+i)), RetainUntil: f.now.AddDate(1, 0, 0),
			CreatedAt: f.now}
		if err := db.CreateRecording(context.Background(), r, &callvault.AuditEvent{Actor: "t", Action: callvault.ActionRecordingIngest}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) request(t *testing.T, who string, purpose callvault.Purpose) *callvault.AccessRequest {
	t.Helper()
	r, err := f.svc.CreateRequest(context.Background(), f.users[who], access.RequestInput{Purpose: string(purpose),
		Reason: "a clearly stated business need", Extension: "201", CallFrom: "2026-11-20T09:00:00Z", CallTo: "2026-11-20T11:00:00Z"})
	if err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	return r
}

// TestNotifiesExactlyTheDeciders: a new request reaches the people who may decide it and nobody
// else: not its requester, not a disabled user, not staff or auditors; a disciplinary one the
// DPO and live delegates only.
func TestNotifiesExactlyTheDeciders(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.request(t, "mia", callvault.PurposeComplaint)
	if len(r.Matched) != 2 {
		t.Errorf("matched %d recordings, want the two on extension 201", len(r.Matched))
	}
	if got := f.note.calls[r.ID]; !slices.Equal(got, []string{"dan", "max"}) {
		t.Errorf("complaint notified %v, want [dan max]", got)
	}
	if _, err := f.svc.CreateDelegation(ctx, f.users["dora"], access.DelegationInput{Delegate: "del",
		Until: ptr(f.now.Add(time.Hour)), Statement: "del decides while I am away"}); err != nil {
		t.Fatal(err)
	}
	d := f.request(t, "sam", callvault.PurposeDisciplinary)
	if got := f.note.calls[d.ID]; !slices.Equal(got, []string{"del", "dora"}) {
		t.Errorf("disciplinary notified %v, want [del dora]", got)
	}
	f.now = f.now.Add(2 * time.Hour) // the delegation has expired
	d2 := f.request(t, "sam", callvault.PurposeDisciplinary)
	if got := f.note.calls[d2.ID]; !slices.Equal(got, []string{"dora"}) {
		t.Errorf("disciplinary after the delegation notified %v, want [dora]", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestOneDecisionWins: of several authorisers deciding one request at once, exactly one
// decision is stored; the others are refused.
func TestOneDecisionWins(t *testing.T) {
	f := newFixture(t)
	r := f.request(t, "sam", callvault.PurposeQuality)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := []string{"dan", "max", "mia"}[i%3]
			if i%2 == 0 {
				_, errs[i] = f.svc.Approve(context.Background(), f.users[who], r.ID, access.ApproveInput{Statement: "approved by " + who})
			} else {
				_, errs[i] = f.svc.Reject(context.Background(), f.users[who], r.ID, "rejected by "+who)
			}
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !callvault.IsKind(err, callvault.KindConflict) && !callvault.IsKind(err, callvault.KindForbidden) {
			t.Errorf("a losing decision: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d decisions stored, want exactly 1", ok)
	}
	if got := f.note.decided[r.ID]; got != "sam" {
		t.Errorf("the requester was told of the decision %q times, want once (sam)", got)
	}
	evs, _ := f.db.AuditEvents(context.Background(), 0, 1000)
	n := 0
	for _, e := range evs {
		if e.Action == callvault.ActionRequestApprove || e.Action == callvault.ActionRequestReject {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d decision events, want 1", n)
	}
}
