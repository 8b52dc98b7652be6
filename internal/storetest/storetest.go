package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TombstoneReader is an optional capability of the catalogue under test (not of callvault's
// interfaces): reading what the row of a deleted recording still holds. When the catalogue
// given to Run implements it, the suite checks that DeleteRecording destroys the Header and the
// Sidecar in the database, not only hides the row, and keeps none of the call's personal data
// (parties, numbers, extensions, line, attributes). Backends implement it in their test code, for
// example with a wrapper that embeds the catalogue.
type TombstoneReader interface {
	// Tombstone returns the header and sidecar stored for the deleted recording id, nil for
	// NULL, the stored text of its call details (parties, numbers, extensions, line and
	// attributes, concatenated), or an error if no deleted recording has that ID.
	Tombstone(ctx context.Context, id string) (header, sidecar []byte, details string, err error)
}

// Opener returns a fresh, empty catalogue for one subtest. It must arrange for the catalogue to
// be closed when the test ends (t.Cleanup); the suite never calls Close.
type Opener func(t *testing.T) callvault.Catalogue

// Run runs the conformance suite. Every subtest gets its own catalogue from open. Subtests of the
// optional capabilities (CatalogueImporter, Compactor) are skipped when the catalogue does not
// implement them.
func Run(t *testing.T, open func(t *testing.T) callvault.Catalogue) {
	t.Run("Recording", func(t *testing.T) { testRecording(t, open) })
	t.Run("Find", func(t *testing.T) { testFind(t, open) })
	t.Run("FoldedAccents", func(t *testing.T) { testFoldedAccents(t, open) })
	t.Run("BulkLoad", func(t *testing.T) { testBulkLoad(t, open) })
	t.Run("List", func(t *testing.T) { testList(t, open) })
	t.Run("Expired", func(t *testing.T) { testExpired(t, open) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open) })
	t.Run("DeleteBatch", func(t *testing.T) { testDeleteBatch(t, open) })
	t.Run("ReplaceAudio", func(t *testing.T) { testReplaceAudio(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("Checkpoint", func(t *testing.T) { testCheckpoint(t, open) })
	t.Run("Token", func(t *testing.T) { testToken(t, open) })
	t.Run("Lease", func(t *testing.T) { testLease(t, open) })
	t.Run("Importer", func(t *testing.T) { testImporter(t, open) })
	t.Run("Compact", func(t *testing.T) { testCompact(t, open) })
	t.Run("VaultKeys", func(t *testing.T) { testVaultKeys(t, open) })
	t.Run("ImportVaultKey", func(t *testing.T) { testImportVaultKey(t, open) })
	t.Run("Tombstones", func(t *testing.T) { testTombstones(t, open) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("Access", func(t *testing.T) { testAccess(t, open) })
	t.Run("ImportPeople", func(t *testing.T) { testImportPeople(t, open) })
	t.Run("Passkeys", func(t *testing.T) { testPasskeys(t, open) })
	t.Run("NoticeVersions", func(t *testing.T) { testNoticeVersions(t, open) })
	t.Run("RetentionSettings", func(t *testing.T) { testRetentionSettings(t, open) })
	t.Run("Epochs", func(t *testing.T) { testEpochs(t, open) })
	t.Run("Holds", func(t *testing.T) { testHolds(t, open) })
	t.Run("RetentionStore", func(t *testing.T) { testRetentionStore(t, open) })
	t.Run("Ping", func(t *testing.T) {
		cat := open(t)
		if err := cat.Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

// base is the fixed start of every fixture's timeline: a non-UTC zone and nanoseconds, so that
// stores must normalise to UTC microseconds.
var base = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.FixedZone("UTC+1", 3600))

// cmpOpts compares times at microsecond precision in UTC and treats nil and empty slices and
// maps alike (a store may read an empty JSON array back either way).
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool {
		return a.UTC().Truncate(time.Microsecond).Equal(b.UTC().Truncate(time.Microsecond))
	}),
	cmpopts.EquateEmpty(),
}

// newRecording returns a recording with every field set; n makes its IDs and facts unique.
func newRecording(n int) *callvault.Recording {
	start := base.Add(time.Duration(n) * time.Minute)
	return &callvault.Recording{
		ID:         callvault.NewID(),
		StartedAt:  start,
		EndedAt:    start.Add(93*time.Second + 250*time.Millisecond),
		Duration:   93*time.Second + 250123*time.Microsecond,
		Direction:  callvault.DirectionInbound,
		Extensions: []string{fmt.Sprintf("%d", 1000+n)},
		ExternalNumbers: []callvault.Number{
			{E164: fmt.Sprintf("+4477009%05d", n), Raw: fmt.Sprintf("077009 %05d", n)},
		},
		Parties: []callvault.Party{
			{
				Name:   fmt.Sprintf("Caller Number%d", n),
				Number: callvault.Number{E164: fmt.Sprintf("+4477009%05d", n), Raw: fmt.Sprintf("077009%05d", n)},
				URI:    fmt.Sprintf("sip:Caller%d@Example.COM", n),
				Role:   callvault.RoleCustomer,
			},
			{
				Name:   "Agent Smith",
				Number: callvault.Number{Raw: fmt.Sprintf("%d", 1000+n)},
				Role:   callvault.RoleAgent,
			},
		},
		Line:               "sales",
		Source:             callvault.SourceSIPREC,
		SourceID:           fmt.Sprintf("session-%d-%s", n, callvault.NewID()),
		AnnouncementPlayed: callvault.AnnouncementYes,
		Codec:              callvault.CodecPCM16,
		SampleRate:         8000,
		Channels:           2,
		PlainSize:          1<<33 + int64(n), // over 32 bits on purpose
		StoredSize:         1<<33 + 512 + int64(n),
		PlainSHA256:        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		StoredSHA256:       "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
		BlobKey:            fmt.Sprintf("recordings/2026/03/%d.age", n),
		KeyEpoch:           "2026-03",
		Header:             []byte("age-encryption.org/v1\n-> X25519 \x00\xff\x01binary\n--- mac\n"),
		Sidecar:            []byte(fmt.Sprintf("\x00\xffsealed sidecar %d\x01", n)),
		RetainUntil:        start.AddDate(6, 0, 0),
		CreatedAt:          start.Add(95 * time.Second),
		Attributes:         map[string]string{"sip_call_id": fmt.Sprintf("c%d@pbx", n), "note": "quote \" and \u00e9"},
	}
}

// newEvent returns an unsealed audit event.
func newEvent(action, object string) *callvault.AuditEvent {
	return &callvault.AuditEvent{
		Time:      time.Now(),
		Actor:     string(callvault.ActorSystem),
		Action:    action,
		Object:    object,
		Purpose:   "conformance",
		RequestID: callvault.NewID(),
		Detail:    `{"k":"v \u00e9 \"q\"\n"}`,
	}
}

func ctx() context.Context { return context.Background() }

// create stores r with a recording.ingest event and fails the test on error.
func create(t testing.TB, cat callvault.Catalogue, r *callvault.Recording) {
	t.Helper()
	if err := cat.CreateRecording(ctx(), r, newEvent(callvault.ActionRecordingIngest, r.ID)); err != nil {
		t.Fatalf("CreateRecording(%s): %v", r.ID, err)
	}
}

// wantKind fails the test unless err has kind k.
func wantKind(t testing.TB, err error, k callvault.Kind, what string) {
	t.Helper()
	if !callvault.IsKind(err, k) {
		t.Fatalf("%s: got error %v (kind %q), want kind %q", what, err, callvault.ErrorKind(err), k)
	}
	var e *callvault.Error
	if err != nil && !asError(err, &e) {
		t.Fatalf("%s: error %v is not a *callvault.Error", what, err)
	}
}

// allEvents returns the whole audit log.
func allEvents(t testing.TB, cat callvault.Catalogue) []*callvault.AuditEvent {
	t.Helper()
	var out []*callvault.AuditEvent
	after := int64(0)
	for {
		evs, err := cat.AuditEvents(ctx(), after, 100)
		if err != nil {
			t.Fatalf("AuditEvents(%d): %v", after, err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Seq
	}
}

// ids returns the IDs of rs, for readable comparisons.
func ids(rs []*callvault.Recording) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
