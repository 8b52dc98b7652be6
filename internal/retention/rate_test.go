package retention

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// memStore is a catalogue of expired recordings in memory, without batch deletes.
type memStore struct {
	live    []*callvault.Recording
	limits  []int // the limit of each ExpiredRecordings call
	clock   func() time.Time
	deleted []time.Time // when each deletion happened, by clock
}

func (m *memStore) ExpiredRecordings(_ context.Context, _ time.Time, limit int) ([]*callvault.Recording, error) {
	m.limits = append(m.limits, limit)
	return m.live[:min(limit, len(m.live))], nil
}

func (m *memStore) DeleteRecording(_ context.Context, id string, _ *callvault.AuditEvent) error {
	for i, r := range m.live {
		if r.ID == id {
			m.live = append(m.live[:i], m.live[i+1:]...)
			m.deleted = append(m.deleted, m.clock())
			return nil
		}
	}
	return callvault.Errorf(callvault.KindNotFound, "no live recording %s", id)
}

type nopBlobStore struct{ callvault.BlobStore }

func (nopBlobStore) Delete(context.Context, string) error { return nil }

// With a rate of 3 a second, 10 recordings are deleted in batches of at most 3, and by the
// (injected) wall clock never more than 3 in any second.
func TestSweepKeepsToTheRate(t *testing.T) {
	wall := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	st := &memStore{clock: func() time.Time { return wall }}
	for i := range 10 {
		st.live = append(st.live, &callvault.Recording{ID: fmt.Sprint("r", i), BlobKey: fmt.Sprint("b/", i)})
	}
	s := &Sweeper{Catalogue: st, Blobs: nopBlobStore{}, Rate: 3, Batch: 500,
		wall:  func() time.Time { return wall },
		sleep: func(_ context.Context, d time.Duration) error { wall = wall.Add(d); return nil }}
	res, err := s.RunOnce(context.Background())
	if err != nil || res.Deleted != 10 || len(st.deleted) != 10 {
		t.Fatalf("RunOnce: %+v %v", res, err)
	}
	for _, l := range st.limits {
		if l > 3 {
			t.Fatalf("a batch of %d at a rate of 3 a second (limits %v)", l, st.limits)
		}
	}
	for i := 0; i+3 < len(st.deleted); i++ {
		if gap := st.deleted[i+3].Sub(st.deleted[i]); gap < time.Second {
			t.Fatalf("deletions %d to %d within %v: more than 3 in a second", i, i+3, gap)
		}
	}
}
