package importer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func london(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseName(t *testing.T) {
	loc := london(t)
	ok := []struct {
		file string
		want Name
	}{
		{"in-02079460000-07700900123-20260714-093015-1783931415.42.wav",
			Name{Kind: KindIn, A: "02079460000", B: "07700900123", Local: time.Date(2026, 7, 14, 9, 30, 15, 0, loc), UniqueID: "1783931415.42"}},
		{"out-+447700900456-201-20261201-170000-1796144400.7.wav",
			Name{Kind: KindOut, A: "+447700900456", B: "201", Local: time.Date(2026, 12, 1, 17, 0, 0, 0, loc), UniqueID: "1796144400.7"}},
		{"exten-202-201-20261201-170000-1796144400.8.WAV",
			Name{Kind: KindExten, A: "202", B: "201", Local: time.Date(2026, 12, 1, 17, 0, 0, 0, loc), UniqueID: "1796144400.8"}},
		{"q-400--20261201-170000-1796144400.9.wav", // withheld caller ID: empty field
			Name{Kind: KindQueue, A: "400", B: "", Local: time.Date(2026, 12, 1, 17, 0, 0, 0, loc), UniqueID: "1796144400.9"}},
		{"ondemand-201-anonymous-20261201-170000-1796144400.10.wav",
			Name{Kind: KindOnDemand, A: "201", B: "anonymous", Local: time.Date(2026, 12, 1, 17, 0, 0, 0, loc), UniqueID: "1796144400.10"}},
	}
	for _, tc := range ok {
		got, err := ParseName(tc.file, loc)
		if err != nil {
			t.Errorf("ParseName(%q): %v", tc.file, err)
			continue
		}
		tc.want.File = tc.file
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseName(%q) (-want +got):\n%s", tc.file, diff)
		}
	}
	bad := map[string]string{
		"in-02079460000-07700900123-20260714-093015-1783931415.42.mp3":     "not a .wav",
		"voicemail-201-20260714-093015-1783931415.42.wav":                  "want <kind>",
		"xyz-1-2-20260714-093015-1783931415.42.wav":                        "unknown kind",
		"in-020-7946-0000-07700900123-20260714-093015-1783931415.42.wav":   "ambiguous",
		"in-0207-0770-20261340-093015-1783931415.42.wav":                   "valid date",
		"in-0207-0770-2026071-093015-1783931415.42.wav":                    "YYYYMMDD",
		"in-0207-0770-20260714-093015-pbx1.wav":                            "uniqueid",
		"in-0207-07 70-20260714-093015-1783931415.42.wav":                  "characters",
		"in-0207-0770-20260714-093015-1783931415.42.wav.part":              "not a .wav",
		"in-0207-" + strings.Repeat("9", 300) + "-20260714-093015-1.2.wav": "longer",
	}
	for file, want := range bad {
		_, err := ParseName(file, loc)
		var ne *NameError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseName(%q) = %v, want a NameError saying %q", file, err, want)
		}
	}
}

func FuzzParseName(f *testing.F) {
	f.Add("in-02079460000-07700900123-20260714-093015-1783931415.42.wav")
	f.Add("out-+447700900456-201-20261201-170000-1796144400.7.wav")
	f.Add("q-400--20261201-170000-1796144400.9.WAV")
	f.Add("in-0207-0770-20261340-093015-1783931415.42.wav")
	f.Fuzz(func(t *testing.T, file string) {
		n, err := ParseName(file, time.UTC)
		if err != nil {
			return
		}
		// What parses is exactly what the name says: it formats back to itself.
		back := n.Kind + "-" + n.A + "-" + n.B + "-" + n.Local.Format("20060102-150405") + "-" + n.UniqueID
		if back+".wav" != n.File && back+".WAV" != n.File {
			t.Fatalf("ParseName(%q) = %+v, which formats back as %q", file, n, back)
		}
		if !freepbxKinds[n.Kind] || !uniqueID(n.UniqueID) {
			t.Fatalf("ParseName(%q) accepted %+v", file, n)
		}
	})
}
