package audit

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/callvault/callvault"
)

// Detail keys of the recording.ingest event that tie a catalogue row to the chain. The archive
// writes them (internal/archive Ingest); the verifier reads them.
const (
	DetailPlainSHA256  = "plain_sha256"
	DetailStoredSHA256 = "stored_sha256"
	DetailPlainSize    = "plain_size"
	// DetailHeaderSHA256 is the SHA-256 of the age header (the recording's wrapped file key).
	// Ingest events written before it was introduced lack it; it is checked when present.
	DetailHeaderSHA256 = "header_sha256"
)

// HeaderSHA256 returns the hex SHA-256 of an age header, as recorded in the ingest event.
func HeaderSHA256(header []byte) string {
	sum := sha256.Sum256(header)
	return hex.EncodeToString(sum[:])
}

// ingested is what a recording.ingest event says about its recording. Hashes are kept as raw
// bytes: the verifier holds one of these for every live recording while it walks the log.
type ingested struct {
	seq          int64
	plainSize    int64
	plain        [32]byte
	stored       [32]byte
	header       [32]byte
	hasHeader    bool
	hashesBroken bool // the event's detail does not hold the hashes (already reported)
}

// ledger ties the catalogue to the chain. While the chain is walked it keeps, per recording, the
// facts of its recording.ingest event and whether a recording.delete event followed; the live
// catalogue rows are then checked against it, so that a row cannot be added, swapped, edited or
// removed without an event saying so. Rows are only trusted as far as the chain vouches for them.
type ledger struct {
	rep     *Report
	live    map[string]*ingested // ingested and not (yet) deleted; removed when its row is seen
	deleted map[string]int64     // recording id -> seq of its recording.delete event
	// tombstones is set when the catalogue's tombstones were checked; each seen is removed
	// from deleted, so that finish can name deletions whose tombstone is gone.
	tombstones bool
}

func newLedger(rep *Report) *ledger {
	return &ledger{rep: rep, live: map[string]*ingested{}, deleted: map[string]int64{}}
}

// add reads one event of the chain, in Seq order.
func (l *ledger) add(ev *callvault.AuditEvent) {
	if ev.Action != callvault.ActionRecordingIngest && ev.Action != callvault.ActionRecordingDelete {
		return
	}
	id, ok := strings.CutPrefix(ev.Object, "recording:")
	if !ok || id == "" {
		l.rep.add(Problem{Kind: ProblemEvent, Seq: ev.Seq, Message: fmt.Sprintf("%s event names no recording (object %q)", ev.Action, ev.Object)})
		return
	}
	if ev.Action == callvault.ActionRecordingDelete {
		if _, ok := l.live[id]; !ok {
			msg := fmt.Sprintf("deleted by event %d, which has no recording.ingest event before it", ev.Seq)
			if seq, again := l.deleted[id]; again {
				msg = fmt.Sprintf("deleted again by event %d after event %d", ev.Seq, seq)
			}
			l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: msg})
		}
		delete(l.live, id)
		l.deleted[id] = ev.Seq
		return
	}
	if prev, ok := l.live[id]; ok {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf("ingested twice, by events %d and %d", prev.seq, ev.Seq)})
	} else if seq, ok := l.deleted[id]; ok {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf("ingested by event %d after it was deleted by event %d", ev.Seq, seq)})
	}
	l.live[id] = l.parseIngest(id, ev)
}

func (l *ledger) parseIngest(id string, ev *callvault.AuditEvent) *ingested {
	in := &ingested{seq: ev.Seq}
	var d struct {
		Plain  string `json:"plain_sha256"`
		Stored string `json:"stored_sha256"`
		Size   *int64 `json:"plain_size"`
		Header string `json:"header_sha256"`
	}
	err := json.Unmarshal([]byte(ev.Detail), &d)
	okPlain := err == nil && decodeHash(d.Plain, &in.plain)
	okStored := err == nil && decodeHash(d.Stored, &in.stored)
	if !okPlain || !okStored || d.Size == nil {
		in.hashesBroken = true
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(
			"its recording.ingest event %d does not record the plain_sha256, stored_sha256 and plain_size the recording is checked against", ev.Seq)})
		return in
	}
	in.plainSize = *d.Size
	if d.Header != "" {
		if !decodeHash(d.Header, &in.header) {
			in.hashesBroken = true
			l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf("its recording.ingest event %d has a malformed header_sha256", ev.Seq)})
			return in
		}
		in.hasHeader = true
	}
	return in
}

func decodeHash(s string, out *[32]byte) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.Decode(out[:], []byte(s))
	return err == nil
}

// row checks one live catalogue row against the ingest event of its recording: the row must
// have one, not be deleted since, and carry the hashes and size (and the age header) the event
// recorded. A row copied over another, or edited to match a swapped blob, fails here even though
// its blob matches the row.
func (l *ledger) row(r *callvault.Recording) {
	problem := func(format string, args ...any) {
		l.rep.add(Problem{Kind: ProblemRecording, ID: r.ID, Message: fmt.Sprintf(format, args...)})
	}
	in, ok := l.live[r.ID]
	if !ok {
		if seq, deleted := l.deleted[r.ID]; deleted {
			problem("is in the catalogue, but event %d deleted it: the row was restored outside callvault", seq)
		} else {
			problem("is in the catalogue but no recording.ingest event records it: the row was added outside callvault")
		}
		return
	}
	delete(l.live, r.ID)
	if in.hashesBroken {
		return
	}
	var plain, stored [32]byte
	if !decodeHash(r.PlainSHA256, &plain) || plain != in.plain {
		problem("the catalogue's plain_sha256 %s differs from %s recorded by its recording.ingest event %d: the row was changed or swapped",
			short(r.PlainSHA256), short(hex.EncodeToString(in.plain[:])), in.seq)
	}
	if !decodeHash(r.StoredSHA256, &stored) || stored != in.stored {
		problem("the catalogue's stored_sha256 %s differs from %s recorded by its recording.ingest event %d: the row was changed or swapped",
			short(r.StoredSHA256), short(hex.EncodeToString(in.stored[:])), in.seq)
	}
	if r.PlainSize != in.plainSize {
		problem("the catalogue's plain_size %d differs from %d recorded by its recording.ingest event %d: the row was changed or swapped",
			r.PlainSize, in.plainSize, in.seq)
	}
	if in.hasHeader {
		if got := sha256.Sum256(r.Header); !bytes.Equal(got[:], in.header[:]) {
			problem("the SHA-256 of the catalogue's age header (the wrapped file key) %s differs from %s recorded by its recording.ingest event %d: the key was replaced",
				short(hex.EncodeToString(got[:])), short(hex.EncodeToString(in.header[:])), in.seq)
		}
	}
}

// tombstone checks one tombstone of the catalogue against the chain: a recording.delete event
// must have deleted it. (A row marked deleted outside callvault is also reported by finish, as a
// live recording missing from the catalogue.)
func (l *ledger) tombstone(t *callvault.Tombstone) {
	if _, ok := l.deleted[t.ID]; ok {
		delete(l.deleted, t.ID)
		return
	}
	if _, live := l.live[t.ID]; !live {
		l.rep.add(Problem{Kind: ProblemRecording, ID: t.ID, Message: "has a tombstone in the catalogue but no recording.ingest or recording.delete event records it: the row was added outside callvault"})
	}
}

// finish reports the recordings the chain says are live but the catalogue does not hold: rows
// removed without the recording.delete event every deletion appends; and, when tombstones were
// checked, deletions whose tombstone is gone (which would free the source id for the same call
// to be stored again). Call it after every live row and tombstone has been passed.
func (l *ledger) finish() {
	if l.tombstones {
		gone := make([]string, 0, len(l.deleted))
		for id := range l.deleted {
			gone = append(gone, id)
		}
		slices.SortFunc(gone, func(a, b string) int { return cmp.Compare(l.deleted[a], l.deleted[b]) })
		for _, id := range gone {
			l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(
				"was deleted by event %d but its tombstone is not in the catalogue: the row was removed outside callvault", l.deleted[id])})
		}
	}
	ids := make([]string, 0, len(l.live))
	for id := range l.live {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(l.live[a].seq, l.live[b].seq) })
	for _, id := range ids {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(
			"was ingested by event %d but is not in the catalogue, and no recording.delete event records its deletion: it was removed outside callvault",
			l.live[id].seq)})
	}
}
