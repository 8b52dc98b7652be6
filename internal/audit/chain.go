package audit

import (
	"crypto/ed25519"
	"fmt"
	"slices"

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

	checkpoints map[int64][]*callvault.Checkpoint // valid checkpoints by Seq
	matched     map[*callvault.Checkpoint]bool
}

func newChain(rep *Report, fromGenesis bool) *chain {
	return &chain{
		rep:         rep,
		fromGenesis: fromGenesis,
		checkpoints: map[int64][]*callvault.Checkpoint{},
		matched:     map[*callvault.Checkpoint]bool{},
	}
}

// addCheckpoints checks the signatures of cps; the valid ones are matched against the events.
func (c *chain) addCheckpoints(cps []*callvault.Checkpoint, trusted []ed25519.PublicKey) {
	for _, cp := range cps {
		if err := VerifyCheckpoint(cp, trusted...); err != nil {
			c.rep.add(Problem{Kind: ProblemCheckpoint, Seq: cp.Seq, Message: callvault.ErrorMessage(err) +
				": it cannot vouch for the log (forged, or signed with a key not given to the verifier)"})
			continue
		}
		c.checkpoints[cp.Seq] = append(c.checkpoints[cp.Seq], cp)
	}
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
		c.rep.Checkpoints++
		if cp.Hash != ev.Hash {
			c.rep.add(Problem{Kind: ProblemCheckpoint, Seq: cp.Seq, Message: fmt.Sprintf(
				"the checkpoint signed at %s vouches for hash %s but event %d has hash %s: the log was rewritten",
				cp.Time.UTC().Format("2006-01-02T15:04:05Z"), short(cp.Hash), ev.Seq, short(ev.Hash))})
		}
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
		if c.started && seq < c.firstSeq || c.matched[c.checkpoints[seq][0]] {
			continue
		}
		var msg string
		switch {
		case !c.started:
			msg = fmt.Sprintf("a signed checkpoint vouches for event %d but the log is empty: events were deleted", seq)
		case seq > c.prevSeq:
			msg = fmt.Sprintf("the log ends at event %d but a signed checkpoint vouches for event %d: events were deleted from the end", c.prevSeq, seq)
		default:
			msg = fmt.Sprintf("a signed checkpoint vouches for event %d, which is missing", seq)
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
