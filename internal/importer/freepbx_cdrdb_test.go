package importer

import (
	"database/sql"
	"testing"
	"time"
)

func cdrDBRow(vals ...string) [17]sql.NullString {
	var f [17]sql.NullString
	for i, v := range vals {
		f[i] = sql.NullString{String: v, Valid: true}
	}
	return f
}

func TestCDRDBRow(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	c := &CDRDB{loc: loc}
	r, err := c.row(cdrDBRow("2026-07-01 10:00:00", `"Ann" <07700900001>`, "07700900001", "201", "from-did-direct",
		"PJSIP/trunk-1", "PJSIP/201-2", "Dial", "PJSIP/201", "40", "30", "ANSWERED", "3", "", "1782900000.7", "announcement=yes",
		"2026/07/01/in-x.wav"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC) // BST
	if !r.Start.Equal(start) || !r.End.Equal(start.Add(40*time.Second)) || !r.Answer.Equal(start.Add(10*time.Second)) {
		t.Errorf("times %v %v %v", r.Start, r.Answer, r.End)
	}
	if r.UniqueID != "1782900000.7" || r.UserField != "announcement=yes" || r.DstChannel != "PJSIP/201-2" || r.Extra[0] != "2026/07/01/in-x.wav" {
		t.Errorf("record %+v", r)
	}
	if r, err := c.row(cdrDBRow("2026-07-01 10:00:00", "", "", "", "", "", "", "", "", "5", "0", "NO ANSWER")); err != nil || !r.Answer.IsZero() {
		t.Errorf("unanswered: %+v %v", r, err)
	}
	if _, err := c.row(cdrDBRow("yesterday", "", "", "", "", "", "", "", "", "5", "0")); err == nil {
		t.Error("a calldate that is not a time was accepted")
	}
}

// FuzzCDRDBRow: whatever a cdr table holds, a row is a record or an error, never a panic.
func FuzzCDRDBRow(f *testing.F) {
	f.Add("2026-07-01 10:00:00", "40", "30", "ANSWERED", "1782900000.7")
	f.Add("0000-00-00 00:00:00", "-1", "x", "", "")
	f.Fuzz(func(t *testing.T, calldate, duration, billsec, disp, uid string) {
		c := &CDRDB{loc: time.UTC}
		r, err := c.row(cdrDBRow(calldate, "", "", "", "", "", "", "", "", duration, billsec, disp, "", "", uid))
		if err == nil && (r.End.Before(r.Start) || (!r.Answer.IsZero() && r.Answer.Before(r.Start.Add(-time.Duration(r.BillSec)*time.Second)))) {
			t.Errorf("times %v %v %v", r.Start, r.Answer, r.End)
		}
	})
}
