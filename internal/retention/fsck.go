package retention

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive"
)

// The kinds of problem Fsck finds.
const (
	ProblemOrphanBlob   = "orphan_blob"   // a blob no live recording names
	ProblemMissingBlob  = "missing_blob"  // a live recording whose blob is gone
	ProblemBlobMismatch = "blob_mismatch" // a blob whose size or SHA-256 differs from its row's
	ProblemHeader       = "header"        // a header no key opens
	ProblemUnreadable   = "unreadable"    // a blob that could not be read to the end
)

// Problem is one thing Fsck found wrong.
type Problem struct {
	Kind        string `json:"kind"`
	RecordingID string `json:"recording_id,omitempty"`
	BlobKey     string `json:"blob_key,omitempty"`
	Detail      string `json:"detail"`   // for a person; never key material or call details
	Repaired    bool   `json:"repaired"` // removed by --repair (orphans only)
}

func (p Problem) String() string {
	s := p.Kind
	if p.RecordingID != "" {
		s += " recording " + p.RecordingID
	}
	if p.BlobKey != "" {
		s += " blob " + p.BlobKey
	}
	s += ": " + p.Detail
	if p.Repaired {
		s += " (repaired: removed)"
	}
	return s
}

// Fsck checks that the catalogue and the blob store agree: every live recording's blob exists
// with the size and SHA-256 its row records, and its header opens with a key this node holds;
// every blob under the recordings prefix belongs to a live recording. It streams (memory does
// not grow with the vault) and reports each problem as it finds it.
type Fsck struct {
	Catalogue callvault.Catalogue
	Blobs     callvault.BlobStore
	// OpenHeader, if set, opens a recording's header (the archive's open path, without reading
	// the audio): an error means no key this node holds opens it. Nil skips the header check
	// (a recorder-only node holds no private keys).
	OpenHeader func(r *callvault.Recording, payload callvault.Blob) error
	// Repair removes orphan blobs older than Grace, each audited (blob.orphan_delete) before it
	// goes. Younger orphans are reported but kept: an ingest may be between its blob and its row.
	Repair bool
	Grace  time.Duration
	Actor  string // of the repair's audit events; default "system"
	Now    func() time.Time
	// Report is called for each problem as it is found.
	Report func(Problem)
}

// FsckResult counts what Fsck checked and found.
type FsckResult struct {
	Recordings     int64 `json:"recordings"`
	Blobs          int64 `json:"blobs"`
	BytesHashed    int64 `json:"bytes_hashed"`
	HeadersChecked bool  `json:"headers_checked"`
	Problems       int   `json:"problems"` // found and not repaired
	Repaired       int   `json:"repaired"`
}

// Run checks the whole vault. The error is for a check that could not run to the end (a store
// unavailable, ctx cancelled); problems go to Report and the counts.
func (f *Fsck) Run(ctx context.Context) (FsckResult, error) {
	res := FsckResult{HeadersChecked: f.OpenHeader != nil}
	report := func(p Problem) {
		if p.Repaired {
			res.Repaired++
		} else {
			res.Problems++
		}
		if f.Report != nil {
			f.Report(p)
		}
	}
	for after := ""; ; {
		recs, err := f.Catalogue.ListRecordings(ctx, after, callvault.MaxSearchLimit)
		if err != nil {
			return res, err
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			res.Recordings++
			n, p, err := f.checkRecording(ctx, r)
			res.BytesHashed += n
			if err != nil {
				return res, err
			}
			if p != nil {
				report(*p)
			}
		}
		after = recs[len(recs)-1].ID
	}
	cutoff := f.now().Add(-f.Grace)
	err := f.Blobs.List(ctx, archive.BlobPrefix, func(b callvault.BlobInfo) error {
		res.Blobs++
		if id := archive.IDFromBlobKey(b.Key); id != "" {
			r, err := f.Catalogue.Recording(ctx, id)
			if err == nil && r.BlobKey == b.Key {
				return nil
			}
			if err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
				return err
			}
		}
		p := Problem{Kind: ProblemOrphanBlob, BlobKey: b.Key, Detail: fmt.Sprintf("%d bytes, written %s, no live recording names it", b.Size, b.ModTime.UTC().Format(time.RFC3339))}
		switch {
		case !f.Repair:
		case b.ModTime.After(cutoff):
			p.Detail += "; kept: younger than the grace period (an ingest may be in progress)"
		default:
			if err := f.removeOrphan(ctx, b); err != nil {
				return err
			}
			p.Repaired = true
		}
		report(p)
		return nil
	})
	return res, err
}

// checkRecording checks one live recording's blob and header; it returns the bytes hashed and
// the problem found, if any.
func (f *Fsck) checkRecording(ctx context.Context, r *callvault.Recording) (int64, *Problem, error) {
	prob := func(kind, detail string) *Problem {
		return &Problem{Kind: kind, RecordingID: r.ID, BlobKey: r.BlobKey, Detail: detail}
	}
	blob, err := f.Blobs.Open(ctx, r.BlobKey)
	if callvault.IsKind(err, callvault.KindNotFound) {
		return 0, prob(ProblemMissingBlob, "the recording's encrypted audio is missing from the blob store"), nil
	}
	if err != nil {
		return 0, nil, err
	}
	defer blob.Close()
	if blob.Size() != r.StoredSize {
		return 0, prob(ProblemBlobMismatch, fmt.Sprintf("blob has %d bytes, the catalogue records %d", blob.Size(), r.StoredSize)), nil
	}
	h := sha256.New()
	n, err := io.Copy(h, io.NewSectionReader(blob, 0, blob.Size()))
	if err != nil {
		if ctx.Err() != nil || callvault.IsKind(err, callvault.KindUnavailable) {
			return n, nil, err
		}
		return n, prob(ProblemUnreadable, "the blob could not be read: "+callvault.ErrorMessage(err)), nil
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != r.StoredSHA256 {
		return n, prob(ProblemBlobMismatch, "the blob's SHA-256 differs from the one the catalogue records"), nil
	}
	if f.OpenHeader != nil {
		if len(r.Header) == 0 {
			return n, prob(ProblemHeader, "the recording has no header"), nil
		}
		if err := f.OpenHeader(r, blob); err != nil {
			return n, prob(ProblemHeader, "no key of this node opens the header: "+callvault.ErrorMessage(err)), nil
		}
	}
	return n, nil, nil
}

// removeOrphan audits, then deletes, an orphan blob.
func (f *Fsck) removeOrphan(ctx context.Context, b callvault.BlobInfo) error {
	actor := f.Actor
	if actor == "" {
		actor = string(callvault.ActorSystem)
	}
	ev := &callvault.AuditEvent{
		Time: f.now(), Actor: actor, Action: callvault.ActionOrphanBlobDelete, Object: "blob:" + b.Key,
		Detail: callvault.AuditDetail(map[string]any{"size": b.Size, "mod_time": b.ModTime.UTC().Format(time.RFC3339Nano),
			"reason": "fsck --repair: no live recording names it"}),
	}
	if err := f.Catalogue.AppendAudit(ctx, ev); err != nil {
		return err
	}
	return f.Blobs.Delete(ctx, b.Key)
}

func (f *Fsck) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}
