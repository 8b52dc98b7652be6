package ui

import (
	"strings"
	"testing"
	"time"
)

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/",
		"/requests":             "/requests",
		"/grants/x?y=1":         "/grants/x?y=1",
		"//evil.example/":       "/",
		"/\\evil.example":       "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"requests":              "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeNext: whatever a link carries in ?next=, the sign-in sends the browser to a path on
// this site only.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "http://x", "/a?b=//c", "/%2f%2fx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("safeNext(%q) = %q leaves the site", s, got)
		}
	})
}

func TestFromLocalInput(t *testing.T) {
	p := &Pages{zone: mustZone(t, "Europe/London")}
	for in, want := range map[string]string{
		"2026-11-20T10:05":    "2026-11-20T10:05:00Z", // GMT
		"2026-07-01T10:05":    "2026-07-01T09:05:00Z", // BST
		"2026-07-01T10:05:30": "2026-07-01T09:05:30Z",
		"20/11/2026 10:05":    "2026-11-20T10:05:00Z", // typed, as the pages' messages ask (dates.go)
		"":                    "",
	} {
		got, ok := p.fromLocalInput(in)
		if !ok || got != want {
			t.Errorf("fromLocalInput(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"yesterday", "11/20/2026 10:05", "2026-13-01T10:00", "20/11/2026 25:00"} {
		if _, ok := p.fromLocalInput(bad); ok {
			t.Errorf("fromLocalInput(%q) accepted", bad)
		}
	}
}

func TestTimesAndDurations(t *testing.T) {
	p := &Pages{zone: mustZone(t, "Europe/London")}
	summer := time.Date(2026, 7, 1, 9, 5, 0, 0, time.UTC)
	if got := p.localTime(summer); got != "Wed 1 Jul 2026, 10:05 BST" {
		t.Errorf("local summer time: %q", got)
	}
	if got := utcTime(&summer); got != "2026-07-01 09:05:00 UTC" {
		t.Errorf("UTC: %q", got)
	}
	if got := p.localTime((*time.Time)(nil)); got != "" {
		t.Errorf("nil time: %q", got)
	}
	for d, want := range map[time.Duration]string{0: "0:00", 65 * time.Second: "1:05", 3723 * time.Second: "1:02:03"} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"is required: the business need":    "This is required: the business need.",
		"\"x\" is not a telephone number":   "\"x\" is not a telephone number.",
		"ends before call_from":             "This ends before the start of the period.",
		"the range is longer than 31 days.": "The range is longer than 31 days.",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAssetsAreHashed(t *testing.T) {
	a := loadAssets()
	u := a.URL("callvault.css")
	if !strings.HasPrefix(u, "/assets/callvault.") || !strings.HasSuffix(u, ".css") || len(u) != len("/assets/callvault.")+12+len(".css") {
		t.Fatalf("stylesheet URL %q carries no content hash", u)
	}
	as := a.byName[strings.TrimPrefix(u, "/assets/")]
	if as == nil || !strings.HasPrefix(as.contentType, "text/css") {
		t.Fatalf("the hashed name does not serve the stylesheet: %+v", as)
	}
}

func TestQRCode(t *testing.T) {
	svg, err := qrSVG("otpauth://totp/callvault:dan?secret=JBSWY3DPEHPK3PXP&issuer=callvault")
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if !strings.HasPrefix(s, "<svg") || strings.Contains(s, "JBSWY3DP") || strings.Count(s, "h1v1h-1z") < 200 {
		t.Fatalf("QR SVG looks wrong: %.200s", s)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}
