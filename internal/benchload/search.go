package benchload

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/phone"
	"github.com/nyaruka/phonenumbers"
)

// Searcher is the part of a catalogue the search benchmark reads.
type Searcher interface {
	FindRecordings(ctx context.Context, f callvault.RecordingFilter) ([]*callvault.Recording, error)
	Recording(ctx context.Context, id string) (*callvault.Recording, error)
}

// Formats returns the E.164 number n written the ways a DPO may be given it: national
// ("07700 900123", UK numbers only), international with spaces, with 00, as tel: and sip: URIs,
// and with brackets and dashes.
func Formats(n string) []string {
	num, err := phonenumbers.Parse(n, "GB")
	if err != nil {
		return []string{n}
	}
	intl := phonenumbers.Format(num, phonenumbers.INTERNATIONAL) // +44 7700 900123
	out := []string{intl, "00" + n[1:], "tel:" + n, "sip:" + n + "@pbx.example.net;user=phone",
		strings.ReplaceAll(intl, " ", "-")}
	if num.GetCountryCode() == 44 {
		national := phonenumbers.Format(num, phonenumbers.NATIONAL) // 07700 900123 or 020 7946 0123
		first, rest, _ := strings.Cut(national, " ")
		out = append([]string{national}, append(out, "("+first+") "+strings.ReplaceAll(rest, " ", "-"))...)
	}
	return out
}

// Query is one subject search of the benchmark.
type Query struct {
	Kind   string   // "number", "name", "extension+day", "extension+week" or "number+name"
	Input  []string // what the DPO typed, for the report
	Filter callvault.RecordingFilter
}

// Queries returns n subject searches over what g generates, drawn with seed: numbers in every
// format of Formats (drawn the way calls arrive, so busy numbers come up more), names as people
// type them (without accents, in capitals, or as written), an extension over one day and over
// one week, and a number with a name. Numbers go through phone.Normalize and names through the store's fold,
// as the case search does.
func (g *Generator) Queries(n int, seed uint64) []Query {
	rng := rand.New(rand.NewPCG(seed, 0x71756572))
	number := func() (string, string) {
		e164 := g.numbers[g.pickNumber(rng)]
		fs := Formats(e164)
		typed := fs[rng.IntN(len(fs))]
		return typed, phone.Normalize(typed, "GB").E164
	}
	name := func() string {
		// A person who calls: the name of a number drawn as calls are.
		for {
			if k := g.NameOf(g.pickNumber(rng)); k >= 0 {
				switch nm := g.Name(k); rng.IntN(3) {
				case 0:
					return callvault.NormalizeName(nm) // typed without accents
				case 1:
					return strings.ToUpper(nm)
				default:
					return nm
				}
			}
		}
	}
	out := make([]Query, n)
	for i := range out {
		q := &out[i]
		q.Filter.Limit = callvault.MaxSearchLimit
		switch i % 5 {
		case 0:
			typed, e164 := number()
			q.Kind, q.Input = "number", []string{typed}
			q.Filter.Subjects = []callvault.Subject{{Kind: callvault.SubjectNumber, Value: e164}}
		case 1:
			nm := name()
			q.Kind, q.Input = "name", []string{nm}
			q.Filter.Subjects = []callvault.Subject{{Kind: callvault.SubjectName, Value: nm}}
		case 2, 3:
			days := []int{1, 7}[i%5-2]
			ext := g.Extension(rng.IntN(g.Spec.Extensions))
			from := g.Spec.Start.AddDate(0, 0, rng.IntN(max(g.Spec.Days-days, 1)))
			q.Kind, q.Input = map[int]string{1: "extension+day", 7: "extension+week"}[days], []string{ext, from.Format(time.DateOnly)}
			q.Filter.Subjects = []callvault.Subject{{Kind: callvault.SubjectExtension, Value: ext}}
			q.Filter.From, q.Filter.To = from, from.AddDate(0, 0, days)
		default:
			typed, e164 := number()
			nm := name()
			q.Kind, q.Input = "number+name", []string{typed, nm}
			q.Filter.Subjects = []callvault.Subject{{Kind: callvault.SubjectNumber, Value: e164}, {Kind: callvault.SubjectName, Value: nm}}
		}
	}
	return out
}

// Search runs one subject search to the end, a page of callvault.MaxSearchLimit at a time, as
// the case search does, and returns what it found.
func Search(ctx context.Context, s Searcher, f callvault.RecordingFilter) ([]*callvault.Recording, error) {
	var found []*callvault.Recording
	for {
		page, err := s.FindRecordings(ctx, f)
		if err != nil {
			return nil, err
		}
		found = append(found, page...)
		if len(page) < f.Limit {
			return found, nil
		}
		f.After = page[len(page)-1].ID
	}
}

// Stats are the latencies of a kind of operation.
type Stats struct {
	Kind                    string
	N                       int
	Median, P90, P99, Max   time.Duration
	ResultsMedian, Results0 int // found per query: median, and how many queries found nothing
	ResultsMax              int
}

// Report is the outcome of Bench.
type Report struct {
	Kinds    []Stats // per kind of query, in order of first appearance
	All      Stats   // every query
	Baseline Stats   // reading one recording by primary key, in the same run
}

// Bench runs qs against s, each timed from the first page to the last, then as many
// primary-key reads of found recordings as a baseline for the same machine and moment.
func Bench(ctx context.Context, s Searcher, qs []Query) (*Report, error) {
	type sample struct {
		d     time.Duration
		found int
	}
	byKind := map[string][]sample{}
	var kinds []string
	var all []sample
	var ids []string
	for _, q := range qs {
		t0 := time.Now()
		found, err := Search(ctx, s, q.Filter)
		d := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("bench search %s %q: %w", q.Kind, q.Input, err)
		}
		if _, ok := byKind[q.Kind]; !ok {
			kinds = append(kinds, q.Kind)
		}
		byKind[q.Kind] = append(byKind[q.Kind], sample{d, len(found)})
		all = append(all, sample{d, len(found)})
		if len(found) > 0 {
			ids = append(ids, found[len(found)/2].ID)
		}
	}
	stats := func(kind string, ss []sample) Stats {
		ds := make([]time.Duration, len(ss))
		ns := make([]int, len(ss))
		st := Stats{Kind: kind, N: len(ss)}
		for i, s := range ss {
			ds[i], ns[i] = s.d, s.found
			if s.found == 0 {
				st.Results0++
			}
		}
		slices.Sort(ds)
		slices.Sort(ns)
		if len(ss) == 0 {
			return st
		}
		st.Median, st.P90, st.P99, st.Max = quantile(ds, 0.5), quantile(ds, 0.9), quantile(ds, 0.99), ds[len(ds)-1]
		st.ResultsMedian, st.ResultsMax = quantile(ns, 0.5), ns[len(ns)-1]
		return st
	}
	r := &Report{All: stats("all", all)}
	for _, k := range kinds {
		r.Kinds = append(r.Kinds, stats(k, byKind[k]))
	}
	var base []sample
	for _, id := range ids {
		t0 := time.Now()
		if _, err := s.Recording(ctx, id); err != nil {
			return nil, fmt.Errorf("bench baseline: %w", err)
		}
		base = append(base, sample{time.Since(t0), 1})
	}
	r.Baseline = stats("primary-key read", base)
	return r, nil
}

// quantile returns the q-quantile of sorted xs (nearest rank).
func quantile[T any](xs []T, q float64) T {
	i := int(float64(len(xs))*q+0.999999) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}

// Print writes r as a table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%-18s %6s %10s %10s %10s %10s %16s %8s\n", "query", "n", "median", "p90", "p99", "max", "found med/max", "found 0")
	row := func(s Stats) {
		fmt.Fprintf(w, "%-18s %6d %10s %10s %10s %10s %16s %8d\n", s.Kind, s.N, round(s.Median), round(s.P90), round(s.P99), round(s.Max),
			fmt.Sprintf("%d/%d", s.ResultsMedian, s.ResultsMax), s.Results0)
	}
	for _, s := range r.Kinds {
		row(s)
	}
	row(r.All)
	row(r.Baseline)
	if r.Baseline.Median > 0 {
		fmt.Fprintf(w, "search median / primary-key median: %.1f; search p99 / primary-key median: %.1f\n",
			float64(r.All.Median)/float64(r.Baseline.Median), float64(r.All.P99)/float64(r.Baseline.Median))
	}
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// CheckFormats searches n numbers (drawn as Queries draws them) written in every form of
// Formats, normalised as the case search does, and returns how many numbers were checked and
// for how many some form found a different set of recordings than the E.164 form.
func (g *Generator) CheckFormats(ctx context.Context, s Searcher, n int, seed uint64) (checked, differ int, err error) {
	rng := rand.New(rand.NewPCG(seed, 0x666f726d))
	for range n {
		e164 := g.numbers[g.pickNumber(rng)]
		set := func(typed string) ([]string, error) {
			f := callvault.RecordingFilter{Limit: callvault.MaxSearchLimit,
				Subjects: []callvault.Subject{{Kind: callvault.SubjectNumber, Value: phone.Normalize(typed, "GB").E164}}}
			if f.Subjects[0].Value == "" {
				return nil, nil // not a number: found nothing, which differs from any find
			}
			rs, err := Search(ctx, s, f)
			ids := make([]string, len(rs))
			for i, r := range rs {
				ids[i] = r.ID
			}
			return ids, err
		}
		want, err := set(e164)
		if err != nil {
			return checked, differ, err
		}
		checked++
		for _, typed := range Formats(e164) {
			got, err := set(typed)
			if err != nil {
				return checked, differ, err
			}
			if !slices.Equal(got, want) {
				differ++
				break
			}
		}
	}
	return checked, differ, nil
}
