// Package benchload generates a realistic catalogue of many recordings and measures the subject
// search over it (`callvault bench load` and `callvault bench search`). It writes catalogue rows
// and subject-index rows only, through a store's bulk loader: no audio, no blobs, no audit
// events, since the subject search reads none of them. A generated catalogue is for
// benchmarks, never for a vault in use.
package benchload

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/callvault/callvault"
	"github.com/nyaruka/phonenumbers"
)

// Spec describes a generated catalogue. The zero value of each field takes its default; the
// same Spec (Seed included) gives the same people, numbers and calls, though not the same IDs.
type Spec struct {
	Recordings int       // recordings to load
	Numbers    int       // distinct external numbers (default 50,000): UK mobiles and landlines, some international
	Names      int       // distinct customer names (default 20,000; at most 20,000)
	Extensions int       // extensions (default 30), each with its agent
	Start      time.Time // the first day of calls (default 2026-01-05, UTC)
	Days       int       // calls are spread over this many days from Start (default 182, six months)
	Seed       uint64
}

func (s Spec) withDefaults() Spec {
	if s.Numbers <= 0 {
		s.Numbers = 50_000
	}
	if s.Names <= 0 || s.Names > len(firstNames)*len(surnames) {
		s.Names = len(firstNames) * len(surnames)
	}
	if s.Extensions <= 0 {
		s.Extensions = 30
	}
	if s.Start.IsZero() {
		s.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	}
	if s.Days <= 0 {
		s.Days = 182
	}
	return s
}

// Generator makes the recordings of a Spec. Recording(i) depends only on the Spec and i (but
// for the ID), so a test can regenerate what was loaded, and the search benchmark can pick
// subjects that exist without reading the catalogue.
type Generator struct {
	Spec    Spec
	numbers []string // E.164, distinct, all valid numbers
	intl    []bool   // numbers[k] is outside the UK
}

// NewGenerator builds the people and numbers of spec.
func NewGenerator(spec Spec) *Generator {
	spec = spec.withDefaults()
	g := &Generator{Spec: spec}
	rng := rand.New(rand.NewPCG(spec.Seed, 0x6e756d62657273))
	seen := make(map[string]bool, spec.Numbers)
	for len(g.numbers) < spec.Numbers {
		n, intl := candidate(rng, len(g.numbers))
		if seen[n] || !valid(n) {
			continue
		}
		seen[n] = true
		g.numbers = append(g.numbers, n)
		g.intl = append(g.intl, intl)
	}
	return g
}

// candidate returns a number for slot k of the pool: 60% UK mobiles, 25% UK landlines (London,
// Manchester, Birmingham, Leeds, Glasgow, Cardiff, Belfast), 15% international.
func candidate(rng *rand.Rand, k int) (string, bool) {
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	switch k % 20 {
	case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11:
		return "+447" + []string{"4", "5", "7", "8", "9"}[rng.IntN(5)] + digits(8), false
	case 12, 13, 14, 15, 16:
		area := []string{"207", "208", "161", "121", "113", "141", "2920", "2890"}[rng.IntN(8)]
		first := string(byte('2' + rng.IntN(8)))
		return "+44" + area + first + digits(10-len(area)-1), false
	default:
		switch rng.IntN(4) {
		case 0:
			return "+331" + digits(8), true // Paris
		case 1:
			return "+4930" + digits(8), true // Berlin
		case 2:
			return "+3531" + digits(7), true // Dublin
		default:
			return "+1212" + string(byte('2'+rng.IntN(8))) + digits(6), true // New York
		}
	}
}

// valid reports whether the E.164 number n is a valid number that formats back to itself.
func valid(n string) bool {
	num, err := phonenumbers.Parse(n, "GB")
	return err == nil && phonenumbers.IsValidNumber(num) && phonenumbers.Format(num, phonenumbers.E164) == n
}

// Number returns number k of the pool (E.164), and whether it is outside the UK.
func (g *Generator) Number(k int) (string, bool) { return g.numbers[k], g.intl[k] }

// Numbers returns the size of the number pool.
func (g *Generator) Numbers() int { return len(g.numbers) }

// Name returns customer name k, as a person writes it (accents and all).
func (g *Generator) Name(k int) string {
	return firstNames[k%len(firstNames)] + " " + surnames[(k/len(firstNames))%len(surnames)]
}

// NameOf returns the index of the name of the person with number k, or -1: three numbers in
// five have a known caller (from the caller ID or the CRM), and a person can have two numbers.
func (g *Generator) NameOf(k int) int {
	if mix(g.Spec.Seed, uint64(k))%5 < 2 {
		return -1
	}
	return int(mix(g.Spec.Seed^0x6e616d65, uint64(k)) % uint64(g.Spec.Names))
}

// Extension returns extension k ("2001", "2002", ...).
func (g *Generator) Extension(k int) string { return strconv.Itoa(2001 + k) }

// agent returns the name of the agent at extension k.
func (g *Generator) agent(k int) string {
	return g.Name(int(mix(g.Spec.Seed^0x6167656e74, uint64(k)) % uint64(g.Spec.Names)))
}

// pickNumber draws a number index the way calls arrive: a few numbers call often (the busiest
// of 50,000 numbers about 700 times in a million calls), most a handful of times.
func (g *Generator) pickNumber(rng *rand.Rand) int {
	return min(int(float64(len(g.numbers))*math.Pow(rng.Float64(), 1.5)), len(g.numbers)-1)
}

// Recording returns generated recording i with a new ID.
func (g *Generator) Recording(i int) *callvault.Recording {
	s := g.Spec
	rng := rand.New(rand.NewPCG(s.Seed, uint64(i)+1))
	k := g.pickNumber(rng)
	number := g.numbers[k]
	ext := rng.IntN(s.Extensions)
	// Working days' hours, 08:00 to 18:00, over the period.
	start := s.Start.AddDate(0, 0, rng.IntN(s.Days)).
		Add(8*time.Hour + time.Duration(rng.Int64N(int64(10*time.Hour/time.Microsecond)))*time.Microsecond)
	dur := 20*time.Second + time.Duration(min(rng.ExpFloat64()*180, 3600)*float64(time.Second)).Truncate(time.Millisecond)
	dir, customerRole := callvault.DirectionInbound, callvault.RoleCaller
	if rng.IntN(5) < 2 {
		dir, customerRole = callvault.DirectionOutbound, callvault.RoleCallee
	}
	// The raw form is what the PBX or SBC reported; the catalogue keeps it beside the E.164.
	raw := number
	switch rng.IntN(3) {
	case 1:
		raw = number[1:]
	case 2:
		if !g.intl[k] {
			raw = "0" + number[3:]
		}
	}
	customer := callvault.Party{Number: callvault.Number{E164: number, Raw: raw}, Role: customerRole}
	if n := g.NameOf(k); n >= 0 {
		customer.Name = g.Name(n)
	}
	if rng.IntN(2) == 0 {
		customer.URI = "sip:" + number + "@sbc.example.net"
	}
	extension := g.Extension(ext)
	agent := callvault.Party{Name: g.agent(ext), URI: "sip:" + extension + "@pbx.example.net", Role: callvault.RoleAgent}
	announced := callvault.AnnouncementYes
	if dir == callvault.DirectionOutbound {
		announced = callvault.AnnouncementNo
	}
	return &callvault.Recording{
		ID:                 callvault.NewID(),
		StartedAt:          start,
		EndedAt:            start.Add(dur),
		Duration:           dur,
		Direction:          dir,
		Extensions:         []string{extension},
		ExternalNumbers:    []callvault.Number{customer.Number},
		Parties:            []callvault.Party{customer, agent},
		Line:               []string{"sales", "support", "accounts", "complaints"}[ext%4],
		Source:             callvault.SourceSIPREC,
		SourceID:           fmt.Sprintf("bench-%d-%d", s.Seed, i),
		AnnouncementPlayed: announced,
		Codec:              callvault.CodecPCM16,
		SampleRate:         8000,
		Channels:           2,
		PlainSize:          int64(dur/time.Second) * 32000,
		StoredSize:         int64(dur/time.Second)*32000 + 256,
		PlainSHA256:        fmt.Sprintf("%064x", mix(s.Seed, uint64(i))),
		StoredSHA256:       fmt.Sprintf("%064x", mix(s.Seed+1, uint64(i))),
		BlobKey:            fmt.Sprintf("bench/%d/%d.age", s.Seed, i),
		KeyEpoch:           start.Format("2006-01"),
		Header:             []byte("bench: generated, no audio"),
		RetainUntil:        start.AddDate(6, 0, 0),
		CreatedAt:          start.Add(dur + 2*time.Second),
		Attributes:         map[string]string{"sip_call_id": fmt.Sprintf("bench-%d@pbx.example.net", i)},
	}
}

// mix is SplitMix64 of a^b, a cheap deterministic hash.
func mix(a, b uint64) uint64 {
	z := a ^ (b + 0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
