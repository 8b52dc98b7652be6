package archive_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// The retention period is counted in the organisation's calendar months with the month-end
// rule: a call at 00:30 BST on 1 September (23:30 UTC on 31 August) is kept for six months, to
// 00:30 on 1 March; not to 3 March (time.AddDate), nor to 28 February (months counted in UTC).
func TestRetainUntilCalendarMonths(t *testing.T) {
	f := newFixture(t)
	r := rec("month-end")
	r.StartedAt = time.Date(2026, 8, 31, 23, 30, 0, 0, time.UTC)
	if r.StartedAt.After(time.Now()) {
		t.Skip("the clock of this machine is before the test's start time")
	}
	got, _, err := f.svc.Ingest(context.Background(), callvault.IngestRequest{Actor: "test", Recording: r, Audio: bytes.NewReader(wav(t, 1))})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 3, 1, 0, 30, 0, 0, time.UTC); !got.RetainUntil.Equal(want) {
		t.Errorf("retain until %s, want %s", got.RetainUntil, want)
	}
}
