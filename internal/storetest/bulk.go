package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// BulkLoader is an optional capability of a catalogue (not of callvault's interfaces): loading
// many recordings and their subject rows at once, without audit events, for the benchmark
// generator (internal/benchload). Both backends implement it; the suite checks its contract
// when the catalogue under test has it.
type BulkLoader interface {
	BulkLoadRecordings(ctx context.Context, rs []*callvault.Recording) error
	// SettleBulkLoad does what the database would do in time after a large load (statistics,
	// visibility), so that what is measured next is the catalogue's steady state.
	SettleBulkLoad(ctx context.Context) error
}

func testBulkLoad(t *testing.T, open Opener) {
	loader := func(t *testing.T) (callvault.Catalogue, BulkLoader) {
		cat := open(t)
		bl, ok := cat.(BulkLoader)
		if !ok {
			t.Skip("the catalogue cannot bulk load")
		}
		return cat, bl
	}

	// What is loaded reads back exactly, is found through the subject index like a created
	// recording, and writes nothing to the audit log.
	t.Run("RoundTrip", func(t *testing.T) {
		cat, bl := loader(t)
		var rs []*callvault.Recording
		for i := range 40 {
			rs = append(rs, newRecording(i))
		}
		want := make([]callvault.Recording, len(rs))
		for i, r := range rs {
			want[i] = *r
		}
		if err := bl.BulkLoadRecordings(ctx(), rs[:25]); err != nil {
			t.Fatalf("BulkLoadRecordings(25): %v", err)
		}
		if err := bl.BulkLoadRecordings(ctx(), rs[25:]); err != nil {
			t.Fatalf("BulkLoadRecordings(15): %v", err)
		}
		if err := bl.BulkLoadRecordings(ctx(), nil); err != nil {
			t.Fatalf("BulkLoadRecordings(nil): %v", err)
		}
		for i, r := range rs {
			got, err := cat.Recording(ctx(), r.ID)
			if err != nil {
				t.Fatalf("Recording(%d): %v", i, err)
			}
			if diff := cmp.Diff(&want[i], got, cmpOpts); diff != "" {
				t.Fatalf("recording %d read back (-want +got):\n%s", i, diff)
			}
		}
		for _, f := range []callvault.RecordingFilter{
			{Subjects: []callvault.Subject{subj(callvault.SubjectNumber, "+447700900007")}},
			{Subjects: []callvault.Subject{subj(callvault.SubjectName, "CALLER number7")}},
			{Subjects: []callvault.Subject{subj(callvault.SubjectExtension, "1007")}},
			{Subjects: []callvault.Subject{subj(callvault.SubjectURI, "sip:caller7@example.com")}},
		} {
			if diff := cmp.Diff([]string{rs[7].ID}, find(t, cat, f)); diff != "" {
				t.Errorf("search %+v after a bulk load (-want +got):\n%s", f.Subjects, diff)
			}
		}
		if got := find(t, cat, callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectName, "agent smith")}, Limit: 100}); len(got) != len(rs) {
			t.Errorf("the name every recording shares finds %d, want %d", len(got), len(rs))
		}
		if err := bl.SettleBulkLoad(ctx()); err != nil {
			t.Fatalf("SettleBulkLoad: %v", err)
		}
		if got := find(t, cat, callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectNumber, "+447700900007")}}); len(got) != 1 || got[0] != rs[7].ID {
			t.Errorf("after SettleBulkLoad the number finds %v, want %s", got, rs[7].ID)
		}
		if evs := allEvents(t, cat); len(evs) != 0 {
			t.Errorf("a bulk load wrote %d audit events, want none", len(evs))
		}
	})

	// A batch with a taken ID, or a recording no catalogue may keep, is refused whole.
	t.Run("RefusedWhole", func(t *testing.T) {
		cat, bl := loader(t)
		first := newRecording(0)
		if err := bl.BulkLoadRecordings(ctx(), []*callvault.Recording{first}); err != nil {
			t.Fatal(err)
		}
		fresh, dup := newRecording(1), newRecording(2)
		dup.ID = first.ID
		wantKind(t, bl.BulkLoadRecordings(ctx(), []*callvault.Recording{fresh, dup}), callvault.KindConflict, "BulkLoadRecordings(taken ID)")
		bad := newRecording(3)
		bad.RetainUntil = time.Time{}
		wantKind(t, bl.BulkLoadRecordings(ctx(), []*callvault.Recording{fresh, bad}), callvault.KindInvalid, "BulkLoadRecordings(zero RetainUntil)")
		if _, err := cat.Recording(ctx(), fresh.ID); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("a refused batch kept its first recording: %v", err)
		}
		if got := find(t, cat, callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectExtension, "1001")}}); len(got) != 0 {
			t.Errorf("a refused batch kept subject rows: %v", got)
		}
	})
}

// testFoldedAccents: names are indexed and searched case- and accent-insensitively
// (callvault.NormalizeName), so a name typed without accents, in capitals, or with combining
// accents finds the recording of the accented name, and the raw name is kept.
func testFoldedAccents(t *testing.T, open Opener) {
	cat := open(t)
	raw := []string{"José García", "Zoë Ó Súilleabháin", "Łukasz Straße", "Jane Doe"}
	var recs []*callvault.Recording
	for i, name := range raw {
		r := newRecording(i)
		r.Parties = []callvault.Party{{Name: name, Role: callvault.RoleCaller}}
		r.Extensions, r.ExternalNumbers = nil, nil
		create(t, cat, r)
		recs = append(recs, r)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"jose garcia", 0}, {"JOSÉ GARCÍA", 0}, {"Jose\u0301 Garci\u0301a", 0}, {"José García", 0},
		{"zoe o suilleabhain", 1}, {"ZOË Ó SÚILLEABHÁIN", 1},
		{"lukasz strasse", 2}, {"LUKASZ STRASSE", 2},
	} {
		got := find(t, cat, callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectName, tc.query)}})
		if diff := cmp.Diff([]string{recs[tc.want].ID}, got); diff != "" {
			t.Errorf("search for %q, indexed from %q (-want +got):\n%s", tc.query, raw[tc.want], diff)
		}
	}
	r, err := cat.Recording(ctx(), recs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Parties[0].Name != raw[0] {
		t.Errorf("party name %q, want the raw %q", r.Parties[0].Name, raw[0])
	}
}
