package archive_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audit"
)

// TestRemaskStoredRecording: a recording stored with masking off holds the keyed card number.
// Scan finds its 16 tones without changing anything; Remask stores it again masked: silent
// over every tone, a new blob (the old one gone) and header, the sidecar still readable, a
// recording.remask event with the old and new hashes, the card alert raised; the orphan sweep
// keeps the new blob, and a second Remask finds nothing left to mask.
func TestRemaskStoredRecording(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in, spans := keyedWAV(t)
	old, _, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "test", Recording: rec("before-masking"), Audio: bytes.NewReader(in),
		Sidecar: func() []byte { return []byte("<metadata/>") }})
	if err != nil {
		t.Fatal(err)
	}
	old, _ = f.db.Recording(ctx, old.ID)
	var alerts []string
	f.svc.OnCardData = func(_ context.Context, r *callvault.Recording, actor callvault.Actor) error {
		alerts = append(alerts, r.ID+" "+string(actor))
		return nil
	}

	sc, err := f.svc.Scan(ctx, "cli:pci", old.ID, audio.MaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Report.InBand != 16 || len(sc.Report.CardLike) != 1 || sc.Remasked {
		t.Fatalf("scan: %+v, want 16 tones forming a card number", sc.Report)
	}
	if now, _ := f.db.Recording(ctx, old.ID); now.StoredSHA256 != old.StoredSHA256 {
		t.Fatal("Scan changed the recording")
	}

	res, err := f.svc.Remask(ctx, "cli:pci", old.ID, audio.MaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Remasked || len(res.Report.Masked) != 16 {
		t.Fatalf("remask: %+v", res)
	}
	now, err := f.db.Recording(ctx, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if now.BlobKey == old.BlobKey || !strings.HasSuffix(now.BlobKey, ".v2.age") || bytes.Equal(now.Header, old.Header) ||
		now.PlainSHA256 == old.PlainSHA256 || now.PlainSize != old.PlainSize || now.Attributes[callvault.AttrDTMFMasked] != "16" ||
		now.Attributes[callvault.AttrCardDataKeyed] != "true" {
		t.Fatalf("after remask: %+v", now)
	}
	if _, err := f.blobs.Open(ctx, old.BlobKey); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("the old blob is still there: %v", err)
	}
	if n := f.blobCount(t); n != 1 {
		t.Errorf("%d blobs, want the new version only", n)
	}
	a, err := f.svc.Open(ctx, "reader", old.ID, "check")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(io.NewSectionReader(a, 0, a.Size()))
	side, err := a.Sidecar()
	a.Close()
	if string(side) != "<metadata/>" || err != nil {
		t.Errorf("sidecar after remask: %q %v", side, err)
	}
	const header = 44
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			if stored[header+i] != 0xFF {
				t.Fatalf("tone at frame %d is still there after remask", i)
			}
		}
	}

	evs, err := f.db.AuditEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var remask *callvault.AuditEvent
	for _, ev := range evs {
		if ev.Action == callvault.ActionRecordingRemask {
			remask = ev
		}
	}
	if remask == nil || remask.Object != "recording:"+old.ID {
		t.Fatalf("no recording.remask event: %+v", evs)
	}
	for _, want := range []string{old.PlainSHA256, old.StoredSHA256, audit.HeaderSHA256(old.Header),
		now.PlainSHA256, now.StoredSHA256, audit.HeaderSHA256(now.Header)} {
		if !strings.Contains(remask.Detail, want) {
			t.Errorf("the remask event lacks %s: %s", want, remask.Detail)
		}
	}
	if len(alerts) != 1 || alerts[0] != old.ID+" cli:pci" {
		t.Errorf("card alerts %v, want one for the recording", alerts)
	}

	if removed, err := f.svc.CleanOrphans(ctx, 0, nil); err != nil || len(removed) != 0 {
		t.Errorf("orphan sweep removed %v (%v): the new version is no orphan", removed, err)
	}
	again, err := f.svc.Remask(ctx, "cli:pci", old.ID, audio.MaskOptions{})
	if err != nil || again.Remasked {
		t.Errorf("second remask: %+v %v, want nothing to do", again, err)
	}
	if n := f.blobCount(t); n != 1 {
		t.Errorf("%d blobs after a second remask, want 1", n)
	}
}
