package storetest

import (
	"fmt"
	"testing"

	"github.com/callvault/callvault"
)

// Seed creates n recordings through CreateRecording, each with its own external number
// (see SeedNumber), and returns them. Recording i's number is SeedNumber(i).
func Seed(tb testing.TB, cat callvault.Catalogue, n int) []*callvault.Recording {
	tb.Helper()
	out := make([]*callvault.Recording, n)
	for i := range n {
		r := newRecording(i)
		create(tb, cat, r)
		out[i] = r
	}
	return out
}

// SeedNumber is the E.164 number of the i-th recording made by Seed.
func SeedNumber(i int) string { return fmt.Sprintf("+4477009%05d", i) }

// BenchCreate measures CreateRecording (with its audit event) on cat, one recording per op.
func BenchCreate(b *testing.B, cat callvault.Catalogue) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := newRecording(i)
		i++
		if err := cat.CreateRecording(ctx(), r, newEvent(callvault.ActionRecordingIngest, r.ID)); err != nil {
			b.Fatalf("CreateRecording: %v", err)
		}
	}
}

// BenchFind measures a subject search for one number among n recordings. If cat already holds
// at least n recordings made by Seed (seeded is true), seeding is skipped, so that a benchmark
// run with several -count values seeds once.
func BenchFind(b *testing.B, cat callvault.Catalogue, n int, seeded bool) {
	if !seeded {
		Seed(b, cat, n)
	}
	f := callvault.RecordingFilter{Subjects: []callvault.Subject{{Kind: callvault.SubjectNumber, Value: SeedNumber(n / 2)}}}
	b.ReportAllocs()
	for b.Loop() {
		rs, err := cat.FindRecordings(ctx(), f)
		if err != nil {
			b.Fatalf("FindRecordings: %v", err)
		}
		if len(rs) != 1 {
			b.Fatalf("FindRecordings found %d recordings, want 1", len(rs))
		}
	}
}
