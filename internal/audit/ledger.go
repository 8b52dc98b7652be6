package audit

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
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
	// rewraps are the header hashes recording.rewrap events gave it, in order, with their seq:
	// header is the latest. A row listed while a re-wrap committed may hold any of them.
	rewraps []rewrapped
	listed  bool // its catalogue row was seen (and checked against the event)
}

// listedRow is what a catalogue row says about its recording, kept for a row whose ingest event
// the log did not hold yet when the row was listed.
type listedRow struct {
	plainSHA256, storedSHA256 string
	plainSize                 int64
	header                    [32]byte // SHA-256 of the age header
}

func rowFacts(r *callvault.Recording) *listedRow {
	return &listedRow{plainSHA256: r.PlainSHA256, storedSHA256: r.StoredSHA256, plainSize: r.PlainSize, header: sha256.Sum256(r.Header)}
}

// ledger ties the catalogue to the chain. While the chain is walked it keeps, per recording, the
// facts of its recording.ingest event and whether a recording.delete event followed; the live
// catalogue rows are then checked against it, so that a row cannot be added, swapped, edited or
// removed without an event saying so. Rows are only trusted as far as the chain vouches for them.
//
// On a live vault other nodes ingest and delete while the catalogue is listed, so the log is
// walked to its end once before the listing (up to listedAt) and once more after it. What the
// listing saw that the first walk did not explain (a row or tombstone without its event) is
// judged only after the second walk; what the second walk changes (an ingest or delete after
// listedAt) excuses a row or tombstone the listing could not have seen.
type ledger struct {
	rep     *Report
	live    map[string]*ingested // ingested and not (yet) deleted
	deleted map[string]int64     // recording id -> seq of its recording.delete event
	// tombstones is set when the catalogue's tombstones were checked; each seen is removed
	// from deleted, so that finish can name deletions whose tombstone is gone.
	tombstones bool

	listedAt          int64                 // the last event of the walk before the catalogue was listed
	pendingRows       map[string]*listedRow // rows listed without an ingest event in the log so far
	pendingTombstones []string              // tombstones listed without a delete event in the log so far
	pendingHeaders    map[string]pendingHeader
}

func newLedger(rep *Report) *ledger {
	return &ledger{rep: rep, live: map[string]*ingested{}, deleted: map[string]int64{}, pendingRows: map[string]*listedRow{},
		pendingHeaders: map[string]pendingHeader{}, listedAt: math.MaxInt64}
}

// add reads one event of the chain, in Seq order.
func (l *ledger) add(ev *callvault.AuditEvent) {
	if ev.Action != callvault.ActionRecordingIngest && ev.Action != callvault.ActionRecordingDelete &&
		ev.Action != callvault.ActionRecordingRemask && ev.Action != callvault.ActionRecordingRewrap {
		return
	}
	id, ok := strings.CutPrefix(ev.Object, "recording:")
	if !ok || id == "" {
		l.rep.add(Problem{Kind: ProblemEvent, Seq: ev.Seq, Message: fmt.Sprintf("%s event names no recording (object %q)", ev.Action, ev.Object)})
		return
	}
	switch ev.Action {
	case callvault.ActionRecordingRemask:
		l.remask(id, ev) // remask.go
		return
	case callvault.ActionRecordingRewrap:
		l.rewrap(id, ev)
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
	in := l.parseIngest(id, ev)
	l.live[id] = in
	// A row listed before this event was read (ingested while the catalogue was listed).
	if row, ok := l.pendingRows[id]; ok {
		delete(l.pendingRows, id)
		in.listed = true
		l.check(id, in, row)
	}
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

type rewrapped struct {
	seq        int64
	prev, next [32]byte
}

// rewrap follows a recording.rewrap event: it must re-wrap the header the chain holds for the
// recording (its ingest's, or the previous re-wrap's), and its new header is the one the
// catalogue row must hold from then on.
func (l *ledger) rewrap(id string, ev *callvault.AuditEvent) {
	in, ok := l.live[id]
	if !ok {
		msg := fmt.Sprintf("re-wrapped by event %d, which has no recording.ingest event before it", ev.Seq)
		if seq, deleted := l.deleted[id]; deleted {
			msg = fmt.Sprintf("re-wrapped by event %d after it was deleted by event %d", ev.Seq, seq)
		}
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: msg})
		return
	}
	if in.hashesBroken {
		return
	}
	var d struct {
		Prev string `json:"prev_header_sha256"`
		Next string `json:"header_sha256"`
	}
	var r rewrapped
	r.seq = ev.Seq
	if json.Unmarshal([]byte(ev.Detail), &d) != nil || !decodeHash(d.Prev, &r.prev) || !decodeHash(d.Next, &r.next) {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(
			"its recording.rewrap event %d does not record the prev_header_sha256 and header_sha256 of the re-wrap", ev.Seq)})
		in.hashesBroken = true
		return
	}
	if in.hasHeader && r.prev != in.header {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(
			"its recording.rewrap event %d re-wrapped header %s, but the chain says its header was %s: a re-wrap is missing from the log",
			ev.Seq, short(hex.EncodeToString(r.prev[:])), short(hex.EncodeToString(in.header[:])))})
	}
	in.header, in.hasHeader = r.next, true
	in.rewraps = append(in.rewraps, r)
}

// headerAfter reports whether h is a header the recording held at some point after seq after:
// a row listed while the log moved on may hold the header of a re-wrap that committed later, or
// the one it replaced.
func (in *ingested) headerAfter(after int64, h [32]byte) bool {
	for _, r := range in.rewraps {
		if r.seq > after && (r.prev == h || r.next == h) {
			return true
		}
	}
	return false
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
// its blob matches the row. A row the log read so far does not record is judged after the rest
// of the log is read (see ledger).
func (l *ledger) row(r *callvault.Recording) {
	in, ok := l.live[r.ID]
	if !ok {
		if seq, deleted := l.deleted[r.ID]; deleted {
			l.rep.add(Problem{Kind: ProblemRecording, ID: r.ID, Message: fmt.Sprintf(
				"is in the catalogue, but event %d deleted it: the row was restored outside callvault", seq)})
		} else {
			l.pendingRows[r.ID] = rowFacts(r)
		}
		return
	}
	in.listed = true
	l.check(r.ID, in, rowFacts(r))
}

// check compares a listed row with the ingest event of its recording.
func (l *ledger) check(id string, in *ingested, r *listedRow) {
	if in.hashesBroken {
		return
	}
	problem := func(format string, args ...any) {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(format, args...)})
	}
	var plain, stored [32]byte
	if !decodeHash(r.plainSHA256, &plain) || plain != in.plain {
		problem("the catalogue's plain_sha256 %s differs from %s recorded by its recording.ingest event %d: the row was changed or swapped",
			short(r.plainSHA256), short(hex.EncodeToString(in.plain[:])), in.seq)
	}
	if !decodeHash(r.storedSHA256, &stored) || stored != in.stored {
		problem("the catalogue's stored_sha256 %s differs from %s recorded by its recording.ingest event %d: the row was changed or swapped",
			short(r.storedSHA256), short(hex.EncodeToString(in.stored[:])), in.seq)
	}
	if r.plainSize != in.plainSize {
		problem("the catalogue's plain_size %d differs from %d recorded by its recording.ingest event %d: the row was changed or swapped",
			r.plainSize, in.plainSize, in.seq)
	}
	if in.hasHeader && r.header != in.header {
		// Judged once the log is read to its end: a re-wrap may have committed while the
		// catalogue was listed.
		l.pendingHeaders[id] = pendingHeader{in: in, header: r.header}
	}
}

// pendingHeader is a listed row whose header the chain read so far did not give it.
type pendingHeader struct {
	in     *ingested
	header [32]byte
}

// checkHeaders reports the rows whose header the whole chain does not explain.
func (l *ledger) checkHeaders() {
	ids := make([]string, 0, len(l.pendingHeaders))
	for id := range l.pendingHeaders {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := l.pendingHeaders[id]
		in := p.in
		if p.header == in.header || in.headerAfter(l.listedAt, p.header) {
			continue
		}
		what := fmt.Sprintf("its recording.ingest event %d", in.seq)
		if n := len(in.rewraps); n > 0 {
			what = fmt.Sprintf("its last recording.rewrap event %d", in.rewraps[n-1].seq)
		}
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(
			"the SHA-256 of the catalogue's age header (the wrapped file key) %s differs from %s recorded by %s: the key was replaced",
			short(hex.EncodeToString(p.header[:])), short(hex.EncodeToString(in.header[:])), what)})
	}
}

// tombstone checks one tombstone of the catalogue against the chain: a recording.delete event
// must have deleted it. One the log read so far does not explain is judged by finish. (A row
// marked deleted outside callvault is also reported by finish, as a live recording missing from
// the catalogue.)
func (l *ledger) tombstone(t *callvault.Tombstone) {
	if _, ok := l.deleted[t.ID]; ok {
		delete(l.deleted, t.ID)
		return
	}
	l.pendingTombstones = append(l.pendingTombstones, t.ID)
}

// finish reports what the whole log, read to its end after the catalogue was listed, does not
// explain: rows no ingest event records; tombstones no delete event records; recordings the
// chain says are live but the catalogue does not hold (rows removed without the
// recording.delete event every deletion appends); and, when tombstones were checked, deletions
// whose tombstone is gone (which would free the source id for the same call to be stored
// again). What happened after the listing began (an ingest or delete after listedAt) may not be
// in the listing and is not reported. Call it after every live row and tombstone has been passed
// and the log read to its end.
func (l *ledger) finish() {
	l.checkHeaders()
	rows := make([]string, 0, len(l.pendingRows))
	for id := range l.pendingRows {
		rows = append(rows, id)
	}
	slices.Sort(rows)
	for _, id := range rows {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: "is in the catalogue but no recording.ingest event records it: the row was added outside callvault"})
	}
	for _, id := range l.pendingTombstones {
		if _, ok := l.deleted[id]; ok { // deleted while the catalogue was listed
			delete(l.deleted, id)
			continue
		}
		if in, live := l.live[id]; !live || in.listed {
			l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: "has a tombstone in the catalogue but no recording.ingest or recording.delete event records it: the row was added outside callvault"})
		}
	}
	if l.tombstones {
		gone := make([]string, 0, len(l.deleted))
		for id, seq := range l.deleted {
			if seq <= l.listedAt {
				gone = append(gone, id)
			}
		}
		slices.SortFunc(gone, func(a, b string) int { return cmp.Compare(l.deleted[a], l.deleted[b]) })
		for _, id := range gone {
			l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(
				"was deleted by event %d but its tombstone is not in the catalogue: the row was removed outside callvault", l.deleted[id])})
		}
	}
	ids := make([]string, 0, len(l.live))
	for id, in := range l.live {
		if !in.listed && in.seq <= l.listedAt {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(l.live[a].seq, l.live[b].seq) })
	for _, id := range ids {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(
			"was ingested by event %d but is not in the catalogue, and no recording.delete event records its deletion: it was removed outside callvault",
			l.live[id].seq)})
	}
}
