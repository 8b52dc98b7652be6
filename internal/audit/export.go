package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/callvault/callvault"
)

// maxExportLine bounds one line of an export read by VerifyStream.
const maxExportLine = 1 << 20

// Exported says what Export wrote.
type Exported struct {
	Events      int   // events written
	First, Last int64 // the Seq of the first and last of them; 0 when none
}

// Export writes to w, in Seq order, every event from the first one whose Time is at or after
// since to the end of the log, one JSON object per line exactly as callvault.AuditEvent
// marshals, and says what it wrote. A zero since exports the whole log. The caller records the
// export itself (callvault.ActionAuditExport).
//
// The export is contiguous: once it has started, later events are written whatever their Time.
// An event's Time is taken before the append lock, so under concurrency a later Seq can carry an
// earlier Time; filtering event by event would leave a gap that VerifyStream reports as missing
// events in a genuine export.
func Export(ctx context.Context, store callvault.AuditStore, since time.Time, w io.Writer) (res Exported, err error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var after int64
	started := since.IsZero()
	for {
		if err := ctx.Err(); err != nil {
			return res, callvault.WrapError(callvault.KindUnavailable, err, "audit export cancelled")
		}
		page, err := store.AuditEvents(ctx, after, eventPage)
		if err != nil {
			return res, err
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			if !started && ev.Time.Before(since) {
				continue
			}
			started = true
			b, err := json.Marshal(ev)
			if err != nil {
				return res, callvault.WrapError(callvault.KindInternal, err, "cannot encode an audit event")
			}
			bw.Write(b)
			if err := bw.WriteByte('\n'); err != nil {
				return res, callvault.WrapError(callvault.KindInternal, err, "cannot write the audit export")
			}
			if res.First == 0 {
				res.First = ev.Seq
			}
			res.Last = ev.Seq
			res.Events++
		}
		last := page[len(page)-1].Seq
		if last <= after {
			return res, callvault.Errorf(callvault.KindInternal,
				"the audit store returned events up to %d when asked for events after %d", last, after)
		}
		after = last
	}
	if err := bw.Flush(); err != nil {
		return res, callvault.WrapError(callvault.KindInternal, err, "cannot write the audit export")
	}
	return res, nil
}

// VerifyStream verifies an export made by Export, as an auditor outside the vault does: the
// events must follow each other without gaps, each linked to the one before by prev_hash and
// each hashing to its hash; checkpoints must be signed by pub and match the exported events,
// and the export must reach the last of them. An export that starts after event 1 (a since
// filter) cannot show that its first event follows the ones before it; a checkpoint at or after
// its first event vouches for everything up to the checkpoint. Pass the checkpoints fetched
// together with the export: checkpoints before the first exported event are not checked.
//
// witness holds the checkpoints of the vault's witness files (see Witness), if the auditor has
// them: those within the export must match it. One past the export's end shows a cut tail if
// it was signed before the export was read, that is before the newest of the export's own
// matching checkpoints (`audit export --checkpoints` signs one of the head before it reads) or
// its last event; one signed later is only counted (Report.WitnessNewer), since a witness copied
// after the export holds such checkpoints legitimately. The comparison is of the signers'
// clocks, so nodes' clocks must agree (NTP) to the time between a checkpoint and the next.
//
// Findings go into the report; the error is KindInvalid if r is not an export (a line that is
// not a JSON event) or pub is not an ed25519 public key.
func VerifyStream(r io.Reader, pub ed25519.PublicKey, checkpoints, witness []callvault.Checkpoint) (*Report, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, callvault.Errorf(callvault.KindInvalid, "no audit verify key: VerifyStream needs the ed25519 public key of the checkpoint signer")
	}
	rep := newReport(0)
	ch := newChain(rep, false)
	ch.witnessMayBeNewer = true
	ptrs := func(cps []callvault.Checkpoint) []*callvault.Checkpoint {
		out := make([]*callvault.Checkpoint, len(cps))
		for i := range cps {
			out[i] = &cps[i]
		}
		return out
	}
	ch.addCheckpoints(ptrs(checkpoints), []ed25519.PublicKey{pub})
	ch.addWitness(ptrs(witness), []ed25519.PublicKey{pub})

	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := readLine(br)
		if errors.Is(err, io.EOF) && len(b) == 0 {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return rep, callvault.WrapError(callvault.KindInvalid, err, lineMessage(line, "cannot be read"))
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		var ev callvault.AuditEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			return rep, callvault.WrapError(callvault.KindInvalid, err, lineMessage(line, "is not a JSON audit event"))
		}
		if ev.Seq <= 0 || ev.Hash == "" {
			return rep, callvault.Errorf(callvault.KindInvalid, "%s", lineMessage(line, "is not an audit event: it has no seq or hash"))
		}
		ch.add(&ev)
	}
	ch.finish()
	return rep, nil
}

// readLine reads one line of at most maxExportLine bytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxExportLine {
			return nil, errors.New("line too long")
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

func lineMessage(line int, what string) string {
	return "audit export line " + strconv.Itoa(line) + " " + what
}
