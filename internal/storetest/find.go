package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

func subj(k callvault.SubjectKind, v string) callvault.Subject {
	return callvault.Subject{Kind: k, Value: v}
}

func find(t *testing.T, cat callvault.Catalogue, f callvault.RecordingFilter) []string {
	t.Helper()
	rs, err := cat.FindRecordings(ctx(), f)
	if err != nil {
		t.Fatalf("FindRecordings(%+v): %v", f, err)
	}
	return ids(rs)
}

func testFind(t *testing.T, open Opener) {
	t.Run("Subjects", func(t *testing.T) {
		cat := open(t)
		// r1: a named party with a parseable number and a URI.
		r1 := newRecording(1)
		r1.Parties = []callvault.Party{{
			Name:   "Jane Doe",
			Number: callvault.Number{E164: "+447700900123", Raw: "07700 900123"},
			URI:    "sip:Jane.Doe@Example.COM",
			Role:   callvault.RoleCaller,
		}}
		r1.Extensions = []string{"201"}
		r1.ExternalNumbers = nil
		// r2: an external number and an extension only.
		r2 := newRecording(2)
		r2.Parties = nil
		r2.Extensions = []string{"202"}
		r2.ExternalNumbers = []callvault.Number{{E164: "+442079460000", Raw: "020 7946 0000"}}
		// r3: an unparseable number, indexed raw.
		r3 := newRecording(3)
		r3.Parties = []callvault.Party{{Name: "John Smith", Number: callvault.Number{Raw: "anonymous"}}}
		r3.Extensions = []string{"203"}
		r3.ExternalNumbers = nil
		for _, r := range []*callvault.Recording{r3, r1, r2} {
			create(t, cat, r)
		}

		tests := []struct {
			name     string
			subjects []callvault.Subject
			want     []string
		}{
			{"party number", []callvault.Subject{subj(callvault.SubjectNumber, "+447700900123")}, []string{r1.ID}},
			{"raw form of a parsed number", []callvault.Subject{subj(callvault.SubjectNumber, "07700 900123")}, nil},
			{"external number", []callvault.Subject{subj(callvault.SubjectNumber, "+442079460000")}, []string{r2.ID}},
			{"unparseable number", []callvault.Subject{subj(callvault.SubjectNumber, "anonymous")}, []string{r3.ID}},
			{"name", []callvault.Subject{subj(callvault.SubjectName, callvault.NormalizeName("  JANE  doe"))}, []string{r1.ID}},
			{"name is not a number", []callvault.Subject{subj(callvault.SubjectNumber, "jane doe")}, nil},
			{"extension", []callvault.Subject{subj(callvault.SubjectExtension, "202")}, []string{r2.ID}},
			{"uri", []callvault.Subject{subj(callvault.SubjectURI, "sip:jane.doe@example.com")}, []string{r1.ID}},
			{"no match", []callvault.Subject{subj(callvault.SubjectNumber, "+15550100")}, nil},
			{"or of subjects, ordered by start", []callvault.Subject{
				subj(callvault.SubjectExtension, "203"),
				subj(callvault.SubjectNumber, "+447700900123"),
				subj(callvault.SubjectName, "nobody"),
			}, []string{r1.ID, r3.ID}},
			{"two subjects of one recording, no duplicates", []callvault.Subject{
				subj(callvault.SubjectName, "jane doe"),
				subj(callvault.SubjectNumber, "+447700900123"),
				subj(callvault.SubjectExtension, "201"),
				subj(callvault.SubjectExtension, "202"),
			}, []string{r1.ID, r2.ID}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got := find(t, cat, callvault.RecordingFilter{Subjects: tc.subjects})
				if diff := cmp.Diff(tc.want, got, cmpOpts); diff != "" {
					t.Errorf("FindRecordings (-want +got):\n%s", diff)
				}
			})
		}

		// Found recordings are complete, Header included.
		rs, err := cat.FindRecordings(ctx(), callvault.RecordingFilter{
			Subjects: []callvault.Subject{subj(callvault.SubjectExtension, "201")},
		})
		if err != nil || len(rs) != 1 {
			t.Fatalf("FindRecordings: %v, %d results", err, len(rs))
		}
		if diff := cmp.Diff(r1, rs[0], cmpOpts); diff != "" {
			t.Errorf("found recording differs (-want +got):\n%s", diff)
		}
	})

	// Names are indexed and searched folded (callvault.NormalizeName): invisible format
	// characters, compatibility forms and decomposed accents cannot hide a recording from a
	// subject search by the name as people type it, and the raw name is kept.
	t.Run("FoldedNames", func(t *testing.T) {
		cat := open(t)
		raw := []string{
			"Jane\u200bDoe Zero\u200dWidth",      // zero-width space and joiner
			"Ｊａｎｅ　Ｆｕｌｌｗｉｄｔｈ",                     // fullwidth letters and ideographic space
			"Zoe\u0308 Mu\u0308ller",             // combining diaeresis
			"\ufeff\u00adBom \u200eMarked\u202c", // byte order mark, soft hyphen, bidi marks
		}
		var recs []*callvault.Recording
		for i, name := range raw {
			r := newRecording(i)
			r.Parties = []callvault.Party{{Name: name, Role: callvault.RoleCaller}}
			r.Extensions, r.ExternalNumbers = nil, nil
			create(t, cat, r)
			recs = append(recs, r)
		}
		for i, plain := range []string{"janedoe zerowidth", "JANE fullwidth", "Zoë Müller", "bom marked"} {
			got := find(t, cat, callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectName, plain)}})
			if diff := cmp.Diff([]string{recs[i].ID}, got, cmpOpts); diff != "" {
				t.Errorf("search for %q, indexed as %q (-want +got):\n%s", plain, raw[i], diff)
			}
			r, err := cat.Recording(ctx(), recs[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Parties[0].Name != raw[i] {
				t.Errorf("party name %q, want the raw %q", r.Parties[0].Name, raw[i])
			}
		}
	})

	t.Run("TimeRange", func(t *testing.T) {
		cat := open(t)
		var rs []*callvault.Recording
		for i := 0; i < 5; i++ {
			r := newRecording(i)
			r.Extensions = []string{"300"}
			r.StartedAt = base.Add(time.Duration(i) * time.Hour)
			create(t, cat, r)
			rs = append(rs, r)
		}
		ext := []callvault.Subject{subj(callvault.SubjectExtension, "300")}
		tests := []struct {
			name     string
			from, to time.Time
			want     []*callvault.Recording
		}{
			{"unbounded", time.Time{}, time.Time{}, rs},
			{"from is inclusive", rs[2].StartedAt, time.Time{}, rs[2:]},
			{"to is exclusive", time.Time{}, rs[2].StartedAt, rs[:2]},
			{"both", rs[1].StartedAt, rs[3].StartedAt, rs[1:3]},
			{"from one microsecond later", rs[1].StartedAt.Add(time.Microsecond), rs[3].StartedAt.Add(time.Microsecond), rs[2:4]},
			{"empty range", rs[3].StartedAt, rs[3].StartedAt, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				for _, subjects := range [][]callvault.Subject{ext, nil} {
					got := find(t, cat, callvault.RecordingFilter{Subjects: subjects, From: tc.from, To: tc.to})
					if diff := cmp.Diff(ids(tc.want), got, cmpOpts); diff != "" {
						t.Errorf("FindRecordings(subjects %v) (-want +got):\n%s", subjects, diff)
					}
				}
			})
		}
	})

	t.Run("OrderAndPaging", func(t *testing.T) {
		cat := open(t)
		// Seven recordings, three of which start at the same instant so that ID breaks the tie;
		// they are created out of order.
		var rs []*callvault.Recording
		for i := 0; i < 7; i++ {
			r := newRecording(i)
			r.Extensions = []string{"400"}
			r.StartedAt = base.Add(time.Duration(i/3) * time.Second)
			rs = append(rs, r)
		}
		for _, i := range []int{6, 2, 4, 0, 5, 1, 3} {
			create(t, cat, rs[i])
		}
		want := ids(rs) // NewID sorts in creation order, so rs is in (StartedAt, ID) order
		f := callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectExtension, "400")}}
		if diff := cmp.Diff(want, find(t, cat, f)); diff != "" {
			t.Fatalf("order (-want +got):\n%s", diff)
		}
		for _, subjects := range [][]callvault.Subject{f.Subjects, nil} {
			var got []string
			after := ""
			for page := 0; ; page++ {
				if page > 10 {
					t.Fatalf("paging does not end; got %v", got)
				}
				p := find(t, cat, callvault.RecordingFilter{Subjects: subjects, Limit: 3, After: after})
				if len(p) > 3 {
					t.Fatalf("page of %d results with Limit 3", len(p))
				}
				if len(p) == 0 {
					break
				}
				got = append(got, p...)
				after = p[len(p)-1]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("paged results (subjects %v) (-want +got):\n%s", subjects, diff)
			}
		}
	})

	t.Run("DefaultLimit", func(t *testing.T) {
		cat := open(t)
		n := callvault.DefaultSearchLimit + 1
		for i := 0; i < n; i++ {
			r := newRecording(i)
			r.Extensions = []string{"500"}
			create(t, cat, r)
		}
		got := find(t, cat, callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectExtension, "500")}})
		if len(got) != callvault.DefaultSearchLimit {
			t.Errorf("FindRecordings with Limit 0 returned %d results, want the default %d", len(got), callvault.DefaultSearchLimit)
		}
		got = find(t, cat, callvault.RecordingFilter{Limit: n})
		if len(got) != n {
			t.Errorf("FindRecordings with Limit %d returned %d results, want %d", n, len(got), n)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		// Every backend reads a filter through RecordingFilter.Normalize, so all refuse the
		// same filters, with KindInvalid.
		cat := open(t)
		r := newRecording(1)
		create(t, cat, r)
		many := make([]callvault.Subject, callvault.MaxSearchSubjects+1)
		for i := range many {
			many[i] = subj(callvault.SubjectExtension, fmt.Sprint(i))
		}
		for _, tc := range []struct {
			name string
			f    callvault.RecordingFilter
		}{
			{"negative limit", callvault.RecordingFilter{Limit: -1}},
			{"range ends before it starts", callvault.RecordingFilter{From: base, To: base.Add(-time.Second)}},
			{"unknown subject kind", callvault.RecordingFilter{Subjects: []callvault.Subject{subj("email", "a@b")}}},
			{"empty subject value", callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectName, "  ")}}},
			{"too many subjects", callvault.RecordingFilter{Subjects: many}},
			{"cursor naming no recording", callvault.RecordingFilter{After: callvault.NewID()}},
		} {
			_, err := cat.FindRecordings(ctx(), tc.f)
			wantKind(t, err, callvault.KindInvalid, "FindRecordings("+tc.name+")")
		}
		// The limits: exactly MaxSearchSubjects subjects and an empty range are fine.
		many = many[:callvault.MaxSearchSubjects]
		many[0] = subj(callvault.SubjectExtension, r.Extensions[0])
		if diff := cmp.Diff([]string{r.ID}, find(t, cat, callvault.RecordingFilter{Subjects: many})); diff != "" {
			t.Errorf("FindRecordings with %d subjects (-want +got):\n%s", len(many), diff)
		}
		if got := find(t, cat, callvault.RecordingFilter{From: r.StartedAt, To: r.StartedAt}); len(got) != 0 {
			t.Errorf("FindRecordings over an empty range = %v, want none", got)
		}
	})

	t.Run("Deleted", func(t *testing.T) {
		cat := open(t)
		r1, r2 := newRecording(1), newRecording(2)
		r1.Extensions, r2.Extensions = []string{"600"}, []string{"600"}
		create(t, cat, r1)
		create(t, cat, r2)
		if err := cat.DeleteRecording(ctx(), r1.ID, newEvent(callvault.ActionRecordingDelete, r1.ID)); err != nil {
			t.Fatalf("DeleteRecording: %v", err)
		}
		byExt := callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectExtension, "600")}}
		if diff := cmp.Diff([]string{r2.ID}, find(t, cat, byExt)); diff != "" {
			t.Errorf("FindRecordings by a shared extension after a delete (-want +got):\n%s", diff)
		}
		byNumber := callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectNumber, r1.ExternalNumbers[0].E164)}}
		if got := find(t, cat, byNumber); len(got) != 0 {
			t.Errorf("FindRecordings by the deleted recording's number = %v, want none", got)
		}
		if diff := cmp.Diff([]string{r2.ID}, find(t, cat, callvault.RecordingFilter{})); diff != "" {
			t.Errorf("FindRecordings by time after a delete (-want +got):\n%s", diff)
		}
	})
}
