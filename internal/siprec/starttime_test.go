package siprec

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive/archivetest"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"github.com/callvault/callvault/internal/retention"
)

// signalArchive passes recordings to a real archive and reports each outcome on done.
type signalArchive struct {
	callvault.Archive
	done chan ingested
}

type ingested struct {
	rec *callvault.Recording
	err error
}

func (a *signalArchive) Ingest(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
	rec, created, err := a.Archive.Ingest(ctx, req)
	a.done <- ingested{rec, err}
	return rec, created, err
}

// withStartTime returns the RFC 7865 fixture with its session start-time replaced by text.
func withStartTime(t *testing.T, text string) string {
	t.Helper()
	doc := string(readTestdata(t, "rfc7865.xml"))
	const orig = "<start-time>2026-03-02T10:15:00Z</start-time>"
	if !strings.Contains(doc, orig) {
		t.Fatal("rfc7865.xml no longer has the start-time this test replaces")
	}
	return strings.Replace(doc, orig, "<start-time>"+text+"</start-time>", 1)
}

// TestUntrustedStartTimesSurviveRetention: calls whose metadata says 1970 (Sonus), 2021 (a stale
// clock), two days ahead, or gives no zone are captured through the real server into a real
// archive on SQLite, and a retention sweep right after deletes none of them. Each recording
// starts at its INVITE's arrival (where its audio starts: ended_at - started_at is the audio's
// length); the reported time is kept as reported, a note says why it was not used, and the
// call's start is the reported time only where it is plausible.
func TestUntrustedStartTimesSurviveRetention(t *testing.T) {
	fx := archivetest.New(t)
	arch := &signalArchive{Archive: fx.Service, done: make(chan ingested, 8)}
	h := startHarness(t, func(c *Config) { c.Archive = arch })
	now := time.Now().UTC()
	zoneless := now.Add(-2 * time.Minute).Format("2006-01-02T15:04:05")
	plausible := now.Add(-5 * time.Minute).Format(time.RFC3339)
	tests := []struct {
		name, reported string
		used           bool // the reported time is the call's start
	}{
		{"sonus-1970", "1970-01-01T00:00:00Z", false},
		{"stale-2021", "2021-06-01T12:00:00+02:00", false},
		{"future", now.Add(48 * time.Hour).Format(time.RFC3339), false},
		{"zoneless", zoneless, true},
		{"plausible", plausible, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUAC(t, h, "start-"+tt.name)
			before := time.Now()
			if code := u.invite(sdpOffer("sendonly", "96", "97"), withStartTime(t, tt.reported)); code != 200 {
				t.Fatalf("INVITE: %d", code)
			}
			u.ack(1)
			a := <-h.sessions
			sendRTP(t, a.ports, [][]byte{audiotest.MuLawSignal(10*160, 51), audiotest.MuLawSignal(10*160, 52)}, nil, never)
			if code := u.request("BYE", 2, "", ""); code != 200 {
				t.Fatalf("BYE: %d", code)
			}
			got := <-arch.done
			if got.err != nil {
				t.Fatalf("not stored: %v", got.err)
			}
			rec, err := fx.DB.Recording(context.Background(), got.rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if rec.StartedAt.Before(before.Truncate(time.Microsecond)) || rec.StartedAt.After(a.start.Add(time.Microsecond)) {
				t.Errorf("started_at %v, want the INVITE's arrival (%v .. %v)", rec.StartedAt, before, a.start)
			}
			if d := rec.EndedAt.Sub(rec.StartedAt) - rec.Duration; d.Abs() > time.Millisecond {
				t.Errorf("ended_at - started_at = %v, audio %v: they differ by %v", rec.EndedAt.Sub(rec.StartedAt), rec.Duration, d)
			}
			if !rec.RetainUntil.After(time.Now().AddDate(0, 5, 0)) {
				t.Errorf("retain_until %v is not six months from now", rec.RetainUntil)
			}
			attrs := rec.Attributes
			if attrs[callvault.AttrReportedStartTime] != tt.reported {
				t.Errorf("%s = %q, want %q as reported", callvault.AttrReportedStartTime, attrs[callvault.AttrReportedStartTime], tt.reported)
			}
			callStart, err := time.Parse(time.RFC3339Nano, attrs[callvault.AttrCallStartedAt])
			if err != nil {
				t.Fatalf("%s = %q: %v", callvault.AttrCallStartedAt, attrs[callvault.AttrCallStartedAt], err)
			}
			note := attrs[callvault.AttrStartTimeNote]
			if tt.used {
				want, _ := parseReportedTime(tt.reported)
				if !callStart.Equal(want) {
					t.Errorf("call started at %v, want the plausible reported %v", callStart, want)
				}
			} else if callStart.Before(before.Add(-time.Millisecond)) || callStart.After(a.start.Add(time.Millisecond)) || note == "" {
				t.Errorf("call started at %v (note %q), want the arrival with a note", callStart, note)
			}
			if tt.name == "zoneless" && !strings.Contains(note, "no zone") {
				t.Errorf("note %q does not say the time had no zone", note)
			}
			if tt.name == "plausible" && note != "" {
				t.Errorf("note %q on a plausible time", note)
			}
		})
	}
	sweep := func(at time.Time) retention.Result {
		s := &retention.Sweeper{Catalogue: fx.DB, Blobs: fx.Blobs, Now: func() time.Time { return at }}
		res, err := s.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := sweep(time.Now().Add(time.Minute)); res.Deleted != 0 {
		t.Fatalf("a sweep right after capture deleted %d recordings", res.Deleted)
	}
	// The sweep does delete them once their six months are over: the check above is not idle.
	if res := sweep(time.Now().AddDate(0, 7, 0)); res.Deleted != len(tests) {
		t.Errorf("a sweep seven months on deleted %d of %d recordings", res.Deleted, len(tests))
	}
}

func TestParseReportedTime(t *testing.T) {
	utc := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in       string
		want     time.Time
		zoneless bool
	}{
		{"2026-12-03T10:00:00Z", utc, false},
		{"2026-12-03T11:00:00+01:00", utc, false},
		{" 2026-12-03t10:00:00z ", utc, false},
		{"2026-12-03 10:00:00Z", utc, false},
		{"2026-12-03T10:00:00.250Z", utc.Add(250 * time.Millisecond), false},
		{"2026-12-03T10:00:00", utc, true},
		{"2026-12-03T10:00:00.5", utc.Add(500 * time.Millisecond), true},
		{"2026-12-03 10:00:00", utc, true},
		{"2026-12-03T10:00", utc, true},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"1733220000", time.Time{}, false},
	}
	for _, tt := range tests {
		got, zoneless := parseReportedTime(tt.in)
		if !got.Equal(tt.want) || zoneless != tt.zoneless || got.Location() != time.UTC {
			t.Errorf("parseReportedTime(%q) = %v, %v; want %v, %v", tt.in, got, zoneless, tt.want, tt.zoneless)
		}
	}
	m, err := ParseMetadata([]byte(withStartTime(t, "2026-12-03T10:00:00")))
	if err != nil {
		t.Fatal(err)
	}
	if !m.StartTime.Equal(utc) || !m.StartTimeZoneless || m.StartTimeText != "2026-12-03T10:00:00" {
		t.Errorf("metadata start %v, zoneless %v, text %q", m.StartTime, m.StartTimeZoneless, m.StartTimeText)
	}
}

func FuzzParseReportedTime(f *testing.F) {
	for _, s := range []string{"2026-12-03T10:00:00Z", "2026-12-03T10:00:00", "2026-12-03 10:00:00.5", "1970-01-01T00:00:00-00:00", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, zoneless := parseReportedTime(s)
		if got.IsZero() && zoneless {
			t.Errorf("%q: no time, yet zoneless", s)
		}
		if !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("%q: %v not in UTC", s, got)
		}
	})
}
