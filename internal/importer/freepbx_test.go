package importer

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDescribeFreePBX(t *testing.T) {
	loc := london(t)
	name := func(file string) Name {
		n, err := ParseName(file, loc)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	answered := &CDR{Line: 7, CLID: `"Jane Doe" <07700900123>`, Src: "07700900123", Channel: "PJSIP/trunk-00000001",
		DstChannel: "PJSIP/201-00000002", Disposition: "ANSWERED", UserField: "announcement=yes"}
	outbound := &CDR{Line: 8, CLID: `"Reception" <201>`, Channel: "PJSIP/201-00000004", DstChannel: "PJSIP/trunk-00000005", Disposition: "ANSWERED"}
	queued := &CDR{Line: 9, CLID: `"07700900999" <07700900999>`, DstChannel: "Local/203@from-queue-00000010;1", Disposition: "ANSWERED", UserField: "x=1;announcement=no"}
	tests := []struct {
		file string
		cdr  *CDR
		want Meta
	}{
		{"in-02079460000-07700900123-20260714-093015-1783931415.42.wav", answered, Meta{
			StartedAt: "2026-07-14T08:30:15Z", Direction: "inbound", Line: "02079460000",
			Extensions: []string{"201"}, ExternalNumbers: []string{"07700900123"}, Announcement: "yes",
			Parties: []MetaParty{{Name: "Jane Doe", Number: "07700900123", Role: "caller"}, {Number: "201", Role: "callee"}}}},
		{"in-02079460000-07700900123-20261201-093015-1783931415.43.wav", nil, Meta{ // no CDR: the name alone, GMT
			StartedAt: "2026-12-01T09:30:15Z", Direction: "inbound", Line: "02079460000",
			ExternalNumbers: []string{"07700900123"}, Announcement: "unknown",
			Parties: []MetaParty{{Number: "07700900123", Role: "caller"}}}},
		{"out-07700900456-201-20260714-100005-1783933200.50.wav", outbound, Meta{
			StartedAt: "2026-07-14T09:00:05Z", Direction: "outbound",
			Extensions: []string{"201"}, ExternalNumbers: []string{"07700900456"}, Announcement: "unknown",
			Parties: []MetaParty{{Name: "Reception", Number: "201", Role: "caller"}, {Number: "07700900456", Role: "callee"}}}},
		{"q-400-07700900999-20260714-100005-1783933200.60.wav", queued, Meta{
			StartedAt: "2026-07-14T09:00:05Z", Direction: "inbound", Line: "queue 400",
			Extensions: []string{"203"}, ExternalNumbers: []string{"07700900999"}, Announcement: "no",
			Parties: []MetaParty{{Number: "07700900999", Role: "caller"}, {Number: "203", Role: "callee"}}}},
		{"exten-202-201-20260714-100005-1783933200.61.wav", nil, Meta{
			StartedAt: "2026-07-14T09:00:05Z", Direction: "internal", Extensions: []string{"201", "202"}, Announcement: "unknown",
			Parties: []MetaParty{{Number: "201", Role: "caller"}, {Number: "202", Role: "callee"}}}},
		{"external-07700900777-201-20260714-100005-1783933200.62.wav", nil, Meta{
			StartedAt: "2026-07-14T09:00:05Z", Direction: "outbound", Extensions: []string{"201"}, ExternalNumbers: []string{"07700900777"},
			Announcement: "unknown", Parties: []MetaParty{{Number: "201", Role: "caller"}, {Number: "07700900777", Role: "callee"}}}},
		{"force-07700900777-07700900888-20260714-100005-1783933200.63.wav", nil, Meta{ // two outside numbers: direction unknown
			StartedAt: "2026-07-14T09:00:05Z", ExternalNumbers: []string{"07700900888", "07700900777"}, Announcement: "unknown",
			Parties: []MetaParty{{Number: "07700900888", Role: "caller"}, {Number: "07700900777", Role: "callee"}}}},
	}
	for _, tc := range tests {
		n := name(tc.file)
		got := DescribeFreePBX(n, tc.cdr)
		tc.want.Source = string(callvault.SourceImport)
		tc.want.SourceID = "freepbx/" + n.UniqueID + "/" + n.Kind + "-" + strings.Join(strings.Split(tc.file, "-")[3:5], "-")
		for _, party := range []string{n.A, n.B} {
			fields := strings.Split(strings.TrimPrefix(got.SourceID, "freepbx/"+n.UniqueID+"/"), "-")
			if party != "" && slices.Contains(fields, party) {
				t.Errorf("source ID %s holds the party %s of %s: it outlives the recording", got.SourceID, party, tc.file)
			}
		}
		if legacy := LegacyFreePBXSourceID(n); legacy != "freepbx/"+n.UniqueID+"/"+tc.file {
			t.Errorf("LegacyFreePBXSourceID(%s) = %s, not the form earlier imports stored", tc.file, legacy)
		}
		if diff := cmp.Diff(&tc.want, got, cmpopts.IgnoreFields(Meta{}, "Attributes"), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("DescribeFreePBX(%s) (-want +got):\n%s", tc.file, diff)
		}
		if got.Attributes[AttrFreePBXUniqueID] != n.UniqueID || got.Attributes[AttrFreePBXFile] != tc.file {
			t.Errorf("attributes %v", got.Attributes)
		}
	}
}

func TestLines(t *testing.T) {
	l := NewLines([]string{"2099", "sip:+442079460999@pbx.example", "tel:0207 946 0998"}, "GB")
	rec := func(ext string, nums ...string) *callvault.Recording {
		r := &callvault.Recording{Extensions: []string{ext}}
		for _, n := range nums {
			r.Parties = append(r.Parties, callvault.Party{Number: callvault.Number{Raw: n}})
		}
		return r
	}
	for _, r := range []*callvault.Recording{rec("2099"), rec("201", "02079460999"), rec("201", "+44 20 7946 0998"), {Line: "020 7946 0999"}} {
		if err := l.Check(r); err == nil {
			t.Errorf("Check(%+v) = nil, want a refusal", r)
		}
	}
	if err := l.Check(rec("201", "07700900123")); err != nil {
		t.Errorf("Check(a recorded line) = %v", err)
	}
	if err := NewLines(nil, "GB").Check(rec("2099")); err != nil {
		t.Errorf("no unrecorded lines: %v", err)
	}
	_ = time.Second
}
