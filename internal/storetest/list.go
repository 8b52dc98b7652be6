package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

func testList(t *testing.T, open Opener) {
	cat := open(t)
	var want []string
	for i := 0; i < 7; i++ {
		r := newRecording(i)
		r.StartedAt = base.Add(-time.Duration(i) * time.Hour) // start order is not ID order
		create(t, cat, r)
		if i == 3 {
			if err := cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID)); err != nil {
				t.Fatalf("DeleteRecording: %v", err)
			}
			continue
		}
		want = append(want, r.ID)
	}
	slices.Sort(want)

	var got []string
	after := ""
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatalf("ListRecordings does not end; got %v", got)
		}
		rs, err := cat.ListRecordings(ctx(), after, 2)
		if err != nil {
			t.Fatalf("ListRecordings(%q, 2): %v", after, err)
		}
		if len(rs) > 2 {
			t.Fatalf("ListRecordings returned %d recordings with limit 2", len(rs))
		}
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			if len(r.Header) == 0 || r.BlobKey == "" {
				t.Errorf("ListRecordings returned an incomplete recording %s", r.ID)
			}
		}
		got = append(got, ids(rs)...)
		after = rs[len(rs)-1].ID
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListRecordings walk (-want +got):\n%s", diff)
	}

	// limit follows the rules of RecordingFilter.Limit: 0 is the default, negative is invalid.
	all, err := cat.ListRecordings(ctx(), "", 0)
	if err != nil {
		t.Fatalf("ListRecordings(limit 0): %v", err)
	}
	if diff := cmp.Diff(want, ids(all)); diff != "" {
		t.Errorf("ListRecordings with limit 0 (-want +got):\n%s", diff)
	}
	_, err = cat.ListRecordings(ctx(), "", -1)
	wantKind(t, err, callvault.KindInvalid, "ListRecordings(limit -1)")
}

func testExpired(t *testing.T, open Opener) {
	cat := open(t)
	now := base.Add(24 * time.Hour)
	var rs []*callvault.Recording
	for i, retain := range []time.Duration{-3 * time.Hour, -1 * time.Hour, -3 * time.Hour, 0, time.Hour, -2 * time.Hour, -time.Microsecond} {
		r := newRecording(i)
		r.RetainUntil = now.Add(retain)
		create(t, cat, r)
		rs = append(rs, r)
	}
	if err := cat.DeleteRecording(ctx(), rs[5].ID, newEvent(callvault.ActionRecordingDelete, rs[5].ID)); err != nil {
		t.Fatalf("DeleteRecording: %v", err)
	}
	// Expired: 0 and 2 (-3h, in ID order), 1 (-1h), 6 (-1µs). Not 3 (retained until exactly now),
	// 4 (future), 5 (deleted).
	want := []string{rs[0].ID, rs[2].ID, rs[1].ID, rs[6].ID}
	got, err := cat.ExpiredRecordings(ctx(), now, 10)
	if err != nil {
		t.Fatalf("ExpiredRecordings: %v", err)
	}
	if diff := cmp.Diff(want, ids(got)); diff != "" {
		t.Errorf("ExpiredRecordings (-want +got):\n%s", diff)
	}
	got, err = cat.ExpiredRecordings(ctx(), now, 2)
	if err != nil {
		t.Fatalf("ExpiredRecordings: %v", err)
	}
	if diff := cmp.Diff(want[:2], ids(got)); diff != "" {
		t.Errorf("ExpiredRecordings with limit 2 (-want +got):\n%s", diff)
	}
	if len(got) > 0 {
		if diff := cmp.Diff(rs[0], got[0], cmpOpts); diff != "" {
			t.Errorf("expired recording differs (-want +got):\n%s", diff)
		}
	}
	got, err = cat.ExpiredRecordings(ctx(), base, 10)
	if err != nil {
		t.Fatalf("ExpiredRecordings: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("ExpiredRecordings long before any expiry = %v, want none", ids(got))
	}
}
