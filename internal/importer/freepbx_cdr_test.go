package importer

import (
	"strings"
	"testing"
	"time"
)

// A Master.csv as cdr_csv writes it (loguniqueid=yes, loguserfield=yes): no header,
// accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer,
// end, duration, billsec, disposition, amaflags, uniqueid, userfield.
const masterCSV = `"","07700900123","02079460000","from-trunk","""Jane Doe"" <07700900123>","PJSIP/trunk-00000001","PJSIP/201-00000002","Dial","PJSIP/201,,tr","2026-07-14 09:30:10","2026-07-14 09:30:15","2026-07-14 09:32:15",125,120,"ANSWERED","DOCUMENTATION","1783931415.42","announcement=yes"
"","07700900123","02079460000","from-trunk","""Jane Doe"" <07700900123>","PJSIP/trunk-00000001","PJSIP/202-00000003","Dial","PJSIP/202,,tr","2026-07-14 09:30:10","","2026-07-14 09:30:15",5,0,"NO ANSWER","DOCUMENTATION","1783931415.42",""
"","201","07700900456","from-internal","""Reception"" <201>","PJSIP/201-00000004","PJSIP/trunk-00000005","Dial","PJSIP/trunk/07700900456","2026-07-14 10:00:00","2026-07-14 10:00:05","2026-07-14 10:01:00",60,55,"ANSWERED","DOCUMENTATION","1783933200.50",""
broken line with "quote
"","1","2","c","x","a","b","Dial","","not a time","","2026-07-14 10:00:00",1,1,"ANSWERED","DOCUMENTATION","1783933200.51",""
"","1","2","c","x","a","b"
`

func TestReadMasterCSV(t *testing.T) {
	loc := london(t)
	cdrs, errs := ReadMasterCSV(strings.NewReader(masterCSV), loc)
	if cdrs.Len() != 3 {
		t.Fatalf("%d records read, want 3", cdrs.Len())
	}
	if len(errs) != 3 {
		t.Fatalf("errors %v, want 3 (the broken quote, the bad time, the short line)", errs)
	}
	for i, want := range []string{"line 4", "line 5", "line 6"} {
		if !strings.Contains(errs[i].Error(), want) {
			t.Errorf("error %d = %v, want it to name %s", i, errs[i], want)
		}
	}
	c := cdrs.For("1783931415.42", "in-02079460000-07700900123-20260714-093015-1783931415.42.wav")
	if c == nil || c.DstChannel != "PJSIP/201-00000002" || c.BillSec != 120 || c.UserField != "announcement=yes" {
		t.Fatalf("For picked %+v, want the answered leg to 201", c)
	}
	if want := time.Date(2026, 7, 14, 8, 30, 10, 0, time.UTC); !c.Start.Equal(want) {
		t.Errorf("start %s, want %s (BST read in Europe/London)", c.Start.UTC(), want)
	}
	if cdrs.For("1.2", "x.wav") != nil {
		t.Error("For found a record for an unknown uniqueid")
	}
}

func FuzzReadMasterCSV(f *testing.F) {
	f.Add(masterCSV)
	f.Add(`"","1","2","c","x","a","b","Dial","","2026-07-14 10:00:00","","2026-07-14 10:00:00",1,1,"ANSWERED","DOCUMENTATION","1.2","","in-x.wav"` + "\n")
	f.Fuzz(func(t *testing.T, s string) {
		cdrs, _ := ReadMasterCSV(strings.NewReader(s), time.UTC)
		for id, rs := range cdrs.byID {
			for _, r := range rs {
				if r.UniqueID != id || !uniqueID(id) || r.Start.IsZero() || r.End.IsZero() || r.Duration < 0 || r.BillSec < 0 {
					t.Fatalf("accepted a bad record %+v", r)
				}
			}
			if cdrs.For(id, "x.wav") == nil {
				t.Fatalf("For(%q) found nothing", id)
			}
		}
	})
}
