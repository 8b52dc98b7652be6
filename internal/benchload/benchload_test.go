package benchload_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/benchload"
	"github.com/callvault/callvault/internal/phone"
	"github.com/callvault/callvault/internal/postgres"
	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/sqlite"
)

// store is what the tests need of a catalogue: bulk loading and reading.
type store interface {
	benchload.Loader
	benchload.Searcher
	ListRecordings(ctx context.Context, afterID string, limit int) ([]*callvault.Recording, error)
}

func backends(t *testing.T) map[string]func(t *testing.T) store {
	return map[string]func(t *testing.T) store{
		"sqlite": func(t *testing.T) store {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "catalogue.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(t *testing.T) store {
			db, err := postgres.Open(context.Background(), pgtest.NewTestDatabase(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
}

// The pool has the size asked for, every number is a valid E.164 number that each of its
// written forms normalises back to, and the names fold to distinct values.
func TestGenerator(t *testing.T) {
	g := benchload.NewGenerator(benchload.Spec{Numbers: 5000, Seed: 7})
	if g.Numbers() != 5000 {
		t.Fatalf("%d numbers, want 5000", g.Numbers())
	}
	seen := map[string]bool{}
	intl := 0
	for k := range g.Numbers() {
		n, abroad := g.Number(k)
		if seen[n] {
			t.Fatalf("number %s twice", n)
		}
		seen[n] = true
		if abroad {
			intl++
		}
		for _, f := range benchload.Formats(n) {
			if got := phone.Normalize(f, "GB").E164; got != n {
				t.Fatalf("number %s written %q normalises to %q", n, f, got)
			}
		}
	}
	if intl < 500 || intl > 1000 {
		t.Errorf("%d international numbers of 5000, want about 15%%", intl)
	}
	folded := map[string]int{}
	for k := range 20_000 {
		f := callvault.NormalizeName(g.Name(k))
		if j, ok := folded[f]; ok {
			t.Fatalf("names %q and %q fold alike (%q)", g.Name(j), g.Name(k), f)
		}
		folded[f] = k
	}
	// The same spec generates the same calls.
	a, b := g.Recording(42), benchload.NewGenerator(benchload.Spec{Numbers: 5000, Seed: 7}).Recording(42)
	if a.SourceID != b.SourceID || !a.StartedAt.Equal(b.StartedAt) || a.ExternalNumbers[0] != b.ExternalNumbers[0] || a.Parties[0].Name != b.Parties[0].Name {
		t.Errorf("recording 42 differs between two generators of one spec:\n%+v\n%+v", a, b)
	}
}

// Loading N generated recordings stores all N, and the subject search finds exactly what was
// generated: every written form of a number finds the same set, names are found as typed
// without accents or in capitals, and an extension over a week finds its calls of that week.
func TestLoadAndSearch(t *testing.T) {
	const n = 2000
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			// A small pool, so that numbers and names recur as they do in a million calls.
			spec := benchload.Spec{Recordings: n, Numbers: 300, Names: 150, Seed: 3}
			g := benchload.NewGenerator(spec)
			var progress []int
			if err := benchload.Load(ctx, db, g, 700, func(loaded int) { progress = append(progress, loaded) }); err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !slices.Equal(progress, []int{700, 1400, 2000}) {
				t.Errorf("progress %v, want batches of 700 to 2000", progress)
			}

			// What was generated, by subject.
			byNumber, byName, byExt := map[string][]string{}, map[string][]string{}, map[string][]*callvault.Recording{}
			for i := range n {
				r := g.Recording(i)
				e164 := r.ExternalNumbers[0].E164
				byNumber[e164] = append(byNumber[e164], r.SourceID)
				for _, s := range r.Subjects() {
					if s.Kind == callvault.SubjectName {
						byName[s.Value] = append(byName[s.Value], r.SourceID)
					}
				}
				byExt[r.Extensions[0]] = append(byExt[r.Extensions[0]], r)
			}
			var stored int
			for after := ""; ; {
				page, err := db.ListRecordings(ctx, after, 1000)
				if err != nil {
					t.Fatal(err)
				}
				stored += len(page)
				if len(page) < 1000 {
					break
				}
				after = page[len(page)-1].ID
			}
			if stored != n {
				t.Fatalf("the catalogue holds %d recordings, want %d", stored, n)
			}

			search := func(f callvault.RecordingFilter) []string {
				t.Helper()
				f.Limit = 50 // several pages for the busy subjects
				rs, err := benchload.Search(ctx, db, f)
				if err != nil {
					t.Fatalf("Search(%+v): %v", f, err)
				}
				var out []string
				for _, r := range rs {
					out = append(out, r.SourceID)
				}
				slices.Sort(out)
				return out
			}
			checked, intl := 0, 0
			for k := range g.Numbers() {
				e164, abroad := g.Number(k)
				want := slices.Sorted(slices.Values(byNumber[e164]))
				if len(want) == 0 || (checked >= 25 && !(abroad && intl < 5)) {
					continue
				}
				checked++
				if abroad {
					intl++
				}
				for _, typed := range benchload.Formats(e164) {
					got := search(callvault.RecordingFilter{Subjects: []callvault.Subject{{Kind: callvault.SubjectNumber, Value: phone.Normalize(typed, "GB").E164}}})
					if !slices.Equal(got, want) {
						t.Errorf("number %s typed %q finds %d recordings, want the %d generated", e164, typed, len(got), len(want))
					}
				}
			}
			if checked < 25 || intl < 5 {
				t.Errorf("checked %d numbers (%d international), want at least 25 and 5", checked, intl)
			}

			names := 0
			for folded, want := range byName {
				if names++; names > 20 {
					break
				}
				slices.Sort(want)
				for _, typed := range []string{folded, strings.ToUpper(folded)} {
					if got := search(callvault.RecordingFilter{Subjects: []callvault.Subject{{Kind: callvault.SubjectName, Value: typed}}}); !slices.Equal(got, want) {
						t.Errorf("name typed %q finds %d recordings, want the %d generated", typed, len(got), len(want))
					}
				}
			}

			from := spec.Start.AddDate(0, 0, 30)
			to := from.AddDate(0, 0, 7)
			for ext, rs := range byExt {
				var want []string
				for _, r := range rs {
					if !r.StartedAt.Before(from) && r.StartedAt.Before(to) {
						want = append(want, r.SourceID)
					}
				}
				slices.Sort(want)
				got := search(callvault.RecordingFilter{Subjects: []callvault.Subject{{Kind: callvault.SubjectExtension, Value: ext}}, From: from, To: to})
				if !slices.Equal(got, want) {
					t.Errorf("extension %s over a week finds %d recordings, want the %d generated", ext, len(got), len(want))
				}
			}

			if checked, differ, err := g.CheckFormats(ctx, db, 30, 9); err != nil || checked != 30 || differ != 0 {
				t.Errorf("CheckFormats: %d checked, %d differ, %v; want 30, 0", checked, differ, err)
			}

			// The benchmark runs over the same catalogue and counts what each search found.
			qs := g.Queries(50, 1)
			rep, err := benchload.Bench(ctx, db, qs)
			if err != nil {
				t.Fatalf("Bench: %v", err)
			}
			if rep.All.N != 50 || len(rep.Kinds) != 5 || rep.Baseline.N == 0 || rep.All.ResultsMax == 0 {
				t.Errorf("report %+v", rep)
			}
			for _, q := range qs {
				if q.Kind != "number" {
					continue
				}
				if got := search(q.Filter); len(got) != len(byNumber[q.Filter.Subjects[0].Value]) {
					t.Errorf("query %q finds %d, want %d", q.Input, len(got), len(byNumber[q.Filter.Subjects[0].Value]))
				}
			}
		})
	}
}
