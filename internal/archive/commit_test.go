package archive_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/callvault/callvault"
)

// hookCatalogue is a catalogue whose methods tests can replace one by one; the rest are the
// real store's.
type hookCatalogue struct {
	callvault.Catalogue
	bySource  func(ctx context.Context, source callvault.Source, sourceID string) (*callvault.Recording, error)
	create    func(ctx context.Context, r *callvault.Recording, ev *callvault.AuditEvent) error
	recording func(ctx context.Context, id string) (*callvault.Recording, error)
}

func (h *hookCatalogue) RecordingBySource(ctx context.Context, source callvault.Source, sourceID string) (*callvault.Recording, error) {
	if h.bySource != nil {
		return h.bySource(ctx, source, sourceID)
	}
	return h.Catalogue.RecordingBySource(ctx, source, sourceID)
}

func (h *hookCatalogue) CreateRecording(ctx context.Context, r *callvault.Recording, ev *callvault.AuditEvent) error {
	if h.create != nil {
		return h.create(ctx, r, ev)
	}
	return h.Catalogue.CreateRecording(ctx, r, ev)
}

func (h *hookCatalogue) Recording(ctx context.Context, id string) (*callvault.Recording, error) {
	if h.recording != nil {
		return h.recording(ctx, id)
	}
	return h.Catalogue.Recording(ctx, id)
}

// Two ingests of one (source, source id) race: both look the source id up before either has
// committed, both store their audio, and one commit finds the other's row. The loser with the
// same audio gets the winner's recording (a retry); with different audio it gets a conflict,
// never an acknowledgement of audio that is then thrown away.
func TestConcurrentIngestOfOneSourceID(t *testing.T) {
	for _, sameAudio := range []bool{true, false} {
		name := "different audio"
		if sameAudio {
			name = "same audio"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			// The first lookup of each request waits for the other's: both pass the check with
			// nothing stored, which is the race.
			var arrived sync.WaitGroup
			arrived.Add(2)
			var once [2]sync.Once
			var mu sync.Mutex
			lookups := 0
			f.svc.Catalogue = &hookCatalogue{Catalogue: f.db,
				bySource: func(ctx context.Context, source callvault.Source, sourceID string) (*callvault.Recording, error) {
					r, err := f.db.RecordingBySource(ctx, source, sourceID)
					mu.Lock()
					n := lookups
					lookups++
					mu.Unlock()
					if n < 2 {
						once[n].Do(arrived.Done)
						arrived.Wait()
					}
					return r, err
				}}
			audio := [2][]byte{wav(t, 1), wav(t, 1)}
			if sameAudio {
				audio[1] = audio[0]
			}
			type result struct {
				r       *callvault.Recording
				created bool
				err     error
			}
			results := make([]result, 2)
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, created, err := f.svc.Ingest(context.Background(), callvault.IngestRequest{Actor: "t", Recording: rec("race"), Audio: bytes.NewReader(audio[i])})
					results[i] = result{r, created, err}
				}()
			}
			wg.Wait()

			var won, lost *result
			for i := range results {
				if results[i].created {
					won = &results[i]
				} else {
					lost = &results[i]
				}
			}
			if won == nil || lost == nil || won.err != nil {
				t.Fatalf("want one created recording and one that was not: %v and %v", results[0].err, results[1].err)
			}
			if sameAudio {
				if lost.err != nil || lost.r == nil || lost.r.ID != won.r.ID {
					t.Errorf("the loser of a race with the same audio: %v; want the winner's recording %s", lost.err, won.r.ID)
				}
			} else if !callvault.IsKind(lost.err, callvault.KindConflict) || !strings.Contains(lost.err.Error(), "different audio") {
				t.Errorf("the loser of a race with other audio: %v (created=%v), want a conflict", lost.err, lost.created)
			}
			if n := f.blobCount(t); n != 1 {
				t.Errorf("%d blobs after the race, want 1 (the loser's discarded)", n)
			}
		})
	}
}

// A commit that went through but reported an error (a connection lost during COMMIT) leaves a
// live row: the ingest is a success and the audio stays.
func TestIngestCommittedDespiteError(t *testing.T) {
	f := newFixture(t)
	f.svc.Catalogue = &hookCatalogue{Catalogue: f.db,
		create: func(ctx context.Context, r *callvault.Recording, ev *callvault.AuditEvent) error {
			if err := f.db.CreateRecording(ctx, r, ev); err != nil {
				return err
			}
			return callvault.Errorf(callvault.KindUnavailable, "connection lost during COMMIT")
		}}
	in := wav(t, 1)
	r, created, err := f.svc.Ingest(context.Background(), callvault.IngestRequest{Actor: "t", Recording: rec("unclear"), Audio: bytes.NewReader(in)})
	if err != nil || !created {
		t.Fatalf("ingest whose commit went through: %v created=%v, want success", err, created)
	}
	a, err := f.svc.Open(context.Background(), "t", r.ID, "check")
	if err != nil {
		t.Fatalf("open the recording: %v", err)
	}
	defer a.Close()
	if got, err := io.ReadAll(io.NewSectionReader(a, 0, a.Size())); err != nil || !bytes.Equal(got, in) {
		t.Errorf("audio of the recording: %v", err)
	}
}

// A commit that failed, whose outcome cannot be looked up, leaves the blob for the orphan
// sweep (which removes only blobs without a row): the error reaches the caller, no audio of a
// possibly committed row is deleted.
func TestIngestUnclearCommitKeepsBlob(t *testing.T) {
	for _, c := range []struct {
		name      string
		commits   bool
		recording func(ctx context.Context, id string) (*callvault.Recording, error)
	}{
		{"lookup fails, row committed", true, func(context.Context, string) (*callvault.Recording, error) {
			return nil, callvault.Errorf(callvault.KindUnavailable, "database unreachable")
		}},
		{"lookup fails, nothing committed", false, func(context.Context, string) (*callvault.Recording, error) {
			return nil, callvault.Errorf(callvault.KindUnavailable, "database unreachable")
		}},
		{"no row yet, outcome unclear", false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.svc.Catalogue = &hookCatalogue{Catalogue: f.db, recording: c.recording,
				create: func(ctx context.Context, r *callvault.Recording, ev *callvault.AuditEvent) error {
					if c.commits {
						if err := f.db.CreateRecording(ctx, r, ev); err != nil {
							return err
						}
					}
					return callvault.Errorf(callvault.KindUnavailable, "connection lost during COMMIT")
				}}
			_, _, err := f.svc.Ingest(context.Background(), callvault.IngestRequest{Actor: "t", Recording: rec("unclear"), Audio: bytes.NewReader(wav(t, 1))})
			if !callvault.IsKind(err, callvault.KindUnavailable) {
				t.Fatalf("ingest: %v, want the commit's error", err)
			}
			if n := f.blobCount(t); n != 1 {
				t.Errorf("%d blobs after a commit of unclear outcome, want the blob kept", n)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		// A store that refuses the row wrote nothing: the blob goes at once.
		f := newFixture(t)
		f.svc.Catalogue = &hookCatalogue{Catalogue: f.db,
			create: func(context.Context, *callvault.Recording, *callvault.AuditEvent) error {
				return callvault.Errorf(callvault.KindInvalid, "refused")
			}}
		_, _, err := f.svc.Ingest(context.Background(), callvault.IngestRequest{Actor: "t", Recording: rec("refused"), Audio: bytes.NewReader(wav(t, 1))})
		if !callvault.IsKind(err, callvault.KindInvalid) {
			t.Fatalf("ingest: %v, want the store's refusal", err)
		}
		if n := f.blobCount(t); n != 0 {
			t.Errorf("%d blobs after a refused commit, want 0", n)
		}
	})
}

// A client that goes away once its audio is stored does not cut the commit short: the commit's
// context is not the request's.
func TestIngestCommitOutlivesRequest(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.svc.Catalogue = &hookCatalogue{Catalogue: f.db,
		create: func(cctx context.Context, r *callvault.Recording, ev *callvault.AuditEvent) error {
			cancel() // the client hangs up as the commit starts
			return f.db.CreateRecording(cctx, r, ev)
		}}
	ctx = callvault.WithRequestID(ctx, "req-hangup")
	r, created, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "t", Recording: rec("hangup"), Audio: bytes.NewReader(wav(t, 1))})
	if err != nil || !created {
		t.Fatalf("ingest whose client left during the commit: %v created=%v, want it stored", err, created)
	}
	if _, err := f.db.Recording(context.Background(), r.ID); err != nil {
		t.Errorf("recording not in the catalogue: %v", err)
	}
	evs, _ := f.db.AuditEvents(context.Background(), 0, 10)
	if len(evs) != 1 || evs[0].RequestID != "req-hangup" {
		t.Errorf("audit events %+v, want one ingest event with the request id", evs)
	}
}
