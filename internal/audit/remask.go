package audit

import (
	"encoding/json"
	"fmt"

	"github.com/callvault/callvault"
)

// Versions of a recording's audio. `callvault pci scan --mask` stores a recording again with
// its keyed digits masked: a recording.remask event records the hashes of the version it
// replaced (old_*) and of the new one (the keys of the ingest event). The verifier follows the
// chain: a remask must start from the recording's current version, and the catalogue row must
// then match the newest. (A remask committed while verify lists the catalogue can make the row
// it listed newer than the log it read first; run verify again then.)
const (
	DetailOldPlainSHA256  = "old_plain_sha256"
	DetailOldStoredSHA256 = "old_stored_sha256"
	DetailOldHeaderSHA256 = "old_header_sha256"
)

// remask moves live recording id to the version its recording.remask event ev describes.
func (l *ledger) remask(id string, ev *callvault.AuditEvent) {
	in, ok := l.live[id]
	if !ok {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf("remasked by event %d, but it is not a live recording then", ev.Seq)})
		return
	}
	var d struct {
		Plain  string `json:"old_plain_sha256"`
		Stored string `json:"old_stored_sha256"`
		Header string `json:"old_header_sha256"`
	}
	var plain, stored, header [32]byte
	err := json.Unmarshal([]byte(ev.Detail), &d)
	if err != nil || !decodeHash(d.Plain, &plain) || !decodeHash(d.Stored, &stored) || !decodeHash(d.Header, &header) {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf("its recording.remask event %d does not record the hashes of the version it replaced", ev.Seq)})
		return
	}
	if !in.hashesBroken && (plain != in.plain || stored != in.stored || (in.hasHeader && header != in.header)) {
		l.rep.add(Problem{Kind: ProblemRecording, ID: id, Message: fmt.Sprintf(
			"its recording.remask event %d replaced a version the log does not record as its current one (event %d)", ev.Seq, in.seq)})
	}
	next := l.parseIngest(id, ev)
	next.listed = in.listed
	l.live[id] = next
}
