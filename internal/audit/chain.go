package audit

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"time"

	"github.com/callvault/callvault"
)

// chain checks events one at a time, in the order read, against the chain's rules and the
// checkpoints whose signatures are valid. Verify and VerifyStream share it.
type chain struct {
	rep *Report

	// fromGenesis requires the first event to be event 1; an export filtered by time starts
	// later, and its first prev_hash can only be vouched for by a checkpoint.
	fromGenesis bool
	started     bool
	firstSeq    int64
	prevSeq     int64
	prevHash    string

	checkpoints map[int64][]*callvault.Checkpoint // valid checkpoints by Seq, the database's first
	witnessed   map[*callvault.Checkpoint]bool    // the checkpoints that came from a witness file
	matched     map[*callvault.Checkpoint]bool

	// witnessMayBeNewer is set for an export: a witness file copied after the export was made
	// holds checkpoints past its end that say nothing about it. asOf is the latest moment the
	// export is known to have been read at or after: the time of its newest matching checkpoint
	// (`audit export --checkpoints` signs one of the head first) or of its last event. A
	// witnessed checkpoint past the end signed after asOf is counted, not reported; one signed
	// before it vouches for an event the log had when the export was read, so the tail was cut.
	witnessMayBeNewer bool
	asOf              time.Time
}

func newChain(rep *Report, fromGenesis bool) *chain {
	return &chain{
		rep:         rep,
		fromGenesis: fromGenesis,
		checkpoints: map[int64][]*callvault.Checkpoint{},
		witnessed:   map[*callvault.Checkpoint]bool{},
		matched:     map[*callvault.Checkpoint]bool{},
	}
}

// addCheckpoints checks the signatures of cps; the valid ones are matched against the events.
func (c *chain) addCheckpoints(cps []*callvault.Checkpoint, trusted []ed25519.PublicKey) {
	c.addSigned(cps, trusted, false)
}

// addWitness adds the checkpoints of a witness file. Call it after addCheckpoints.
func (c *chain) addWitness(cps []*callvault.Checkpoint, trusted []ed25519.PublicKey) {
	c.addSigned(cps, trusted, true)
}

func (c *chain) addSigned(cps []*callvault.Checkpoint, trusted []ed25519.PublicKey, witness bool) {
	for _, cp := range cps {
		if err := VerifyCheckpoint(cp, trusted...); err != nil {
			where := ""
			if witness {
				where = " (in the witness file)"
			}
			c.rep.add(Problem{Kind: ProblemCheckpoint, Seq: cp.Seq, Message: callvault.ErrorMessage(err) + where +
				": it cannot vouch for the log (forged, or signed with a key not given to the verifier)"})
			continue
		}
		c.checkpoints[cp.Seq] = append(c.checkpoints[cp.Seq], cp)
		c.witnessed[cp] = witness
	}
}

// source names where a checkpoint came from, for messages.
func (c *chain) source(cp *callvault.Checkpoint) string {
	if c.witnessed[cp] {
		return "the witness file's checkpoint"
	}
	return "the checkpoint"
}

func (c *chain) add(ev *callvault.AuditEvent) {
	c.rep.Events++
	linked := true // whether ev.PrevHash can be checked against the event before it
	switch {
	case !c.started && !c.fromGenesis:
		c.firstSeq = ev.Seq
		linked = ev.Seq == 1
		c.prevHash = callvault.GenesisHash
	case !c.started && ev.Seq != 1:
		c.rep.add(Problem{Kind: ProblemEvent, Seq: 1, Message: missing(1, ev.Seq-1) + ": the log does not start at event 1"})
		linked = false
	case c.started && ev.Seq > c.prevSeq+1:
		c.rep.add(Problem{Kind: ProblemEvent, Seq: c.prevSeq + 1, Message: missing(c.prevSeq+1, ev.Seq-1) + ": the chain has a gap"})
		linked = false
	case c.started && ev.Seq <= c.prevSeq:
		c.rep.add(Problem{Kind: ProblemEvent, Seq: ev.Seq,
			Message: fmt.Sprintf("event %d appears again after event %d: events are duplicated or out of order", ev.Seq, c.prevSeq)})
		return
	}
	if !c.started {
		c.started = true
		if c.fromGenesis {
			c.firstSeq = 1
			c.prevHash = callvault.GenesisHash
		}
	}
	if linked && ev.PrevHash != c.prevHash {
		what := fmt.Sprintf("the hash of event %d", ev.Seq-1)
		if ev.Seq == 1 {
			what = "the genesis hash"
		}
		c.rep.add(Problem{Kind: ProblemEvent, Seq: ev.Seq,
			Message: "prev_hash does not match " + what + ": events were changed, removed or reordered"})
	}
	if ev.ComputeHash() != ev.Hash {
		c.rep.add(Problem{Kind: ProblemEvent, Seq: ev.Seq,
			Message: "hash mismatch: the event's content was changed after it was written"})
	}
	for _, cp := range c.checkpoints[ev.Seq] {
		c.matched[cp] = true
		if c.witnessed[cp] {
			c.rep.Witnessed++
		} else {
			c.rep.Checkpoints++
		}
		if cp.Hash != ev.Hash {
			c.rep.add(Problem{Kind: ProblemCheckpoint, Seq: cp.Seq, Message: fmt.Sprintf(
				"%s signed at %s vouches for hash %s but event %d has hash %s: the log was rewritten",
				c.source(cp), cp.Time.UTC().Format("2006-01-02T15:04:05Z"), short(cp.Hash), ev.Seq, short(ev.Hash))})
		} else if !c.witnessed[cp] && cp.Time.After(c.asOf) {
			c.asOf = cp.Time
		}
	}
	if ev.Time.After(c.asOf) {
		c.asOf = ev.Time
	}
	// Follow the stored hash, so that one edited event is reported once, not at every later one.
	c.prevSeq, c.prevHash = ev.Seq, ev.Hash
	c.rep.HeadSeq, c.rep.HeadHash = ev.Seq, ev.Hash
}

// finish reports the valid checkpoints no event answered: missing from the end (truncation) or
// from a gap. Checkpoints before the first event of a partial export are not checked.
func (c *chain) finish() {
	seqs := make([]int64, 0, len(c.checkpoints))
	for seq := range c.checkpoints {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		cps := c.checkpoints[seq]
		if c.started && seq < c.firstSeq || c.matched[cps[0]] {
			continue
		}
		// The database's checkpoints come first; a seq only the witness file vouches for is one
		// whose database checkpoints were deleted too (or were never written, on another node).
		cp := cps[0]
		if c.witnessed[cp] && c.witnessMayBeNewer && (!c.started || seq > c.prevSeq && cp.Time.After(c.asOf)) {
			c.rep.WitnessNewer++
			continue
		}
		what := "a signed checkpoint vouches for"
		cut := "events were deleted from the end"
		if c.witnessed[cp] {
			what = "the witness file holds a checkpoint for"
			cut = "events were deleted from the end, together with the database's checkpoints of them"
			if c.witnessMayBeNewer {
				cut += fmt.Sprintf(" (the checkpoint was signed at %s, before the export was read at %s)",
					cp.Time.UTC().Format("2006-01-02T15:04:05Z"), c.asOf.UTC().Format("2006-01-02T15:04:05Z"))
			}
		}
		var msg string
		switch {
		case !c.started:
			msg = fmt.Sprintf("%s event %d but the log is empty: events were deleted", what, seq)
		case seq > c.prevSeq:
			msg = fmt.Sprintf("the log ends at event %d but %s event %d: %s", c.prevSeq, what, seq, cut)
		default:
			msg = fmt.Sprintf("%s event %d, which is missing", what, seq)
		}
		c.rep.add(Problem{Kind: ProblemCheckpoint, Seq: seq, Message: msg})
	}
}

func missing(from, to int64) string {
	if from == to {
		return fmt.Sprintf("event %d is missing", from)
	}
	return fmt.Sprintf("events %d to %d are missing", from, to)
}

func short(hash string) string {
	if len(hash) > 16 {
		return hash[:16] + "…"
	}
	return hash
}
