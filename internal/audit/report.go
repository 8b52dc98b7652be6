package audit

import "fmt"

// Problem kinds.
const (
	ProblemEvent      = "event"      // an event is missing, out of place, or its hash does not match
	ProblemCheckpoint = "checkpoint" // a checkpoint is forged or disagrees with the log
	ProblemRecording  = "recording"  // a recording disagrees with its audit events, or its blob is missing or changed
)

// Problem is one finding of a verification.
type Problem struct {
	Kind    string `json:"kind"`          // ProblemEvent, ProblemCheckpoint or ProblemRecording
	Seq     int64  `json:"seq,omitempty"` // the event or checkpoint sequence number
	ID      string `json:"id,omitempty"`  // the recording ID
	Message string `json:"message"`
}

func (p Problem) String() string {
	switch {
	case p.ID != "":
		return fmt.Sprintf("%s %s: %s", p.Kind, p.ID, p.Message)
	case p.Seq != 0:
		return fmt.Sprintf("%s %d: %s", p.Kind, p.Seq, p.Message)
	}
	return p.Kind + ": " + p.Message
}

// Report is the result of a verification.
type Report struct {
	Events       int64  `json:"events"`                  // events read
	Checkpoints  int64  `json:"checkpoints"`             // database (or export) checkpoints checked against the log
	Witnessed    int64  `json:"witnessed"`               // witness-file checkpoints checked against the log
	WitnessNewer int64  `json:"witness_newer,omitempty"` // witness checkpoints signed after an export was read (VerifyStream)
	Recordings   int64  `json:"recordings"`              // live recordings listed
	BytesHashed  int64  `json:"bytes_hashed"`            // blob bytes re-hashed
	HeadSeq      int64  `json:"head_seq"`                // Seq of the last event read
	HeadHash     string `json:"head_hash"`               // its hash

	// Problems in the order found: checkpoint signatures, then the chain in Seq order (with
	// recording events that contradict earlier ones), then catalogue rows in ID order, then the
	// events appended while the catalogue was listed (with the rows they record), then rows and
	// tombstones no event records, then recordings missing from the catalogue in the order they
	// were deleted or ingested. Past the limit only
	// the first problem of each kind is kept, so the first broken event and the first broken
	// recording are always named.
	Problems []Problem `json:"problems"`
	Omitted  int       `json:"omitted"` // problems found but not listed

	max int
}

// OK reports whether nothing was found wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

// FirstProblem returns the first problem found, or nil.
func (r *Report) FirstProblem() *Problem {
	if len(r.Problems) == 0 {
		return nil
	}
	return &r.Problems[0]
}

func (r *Report) add(p Problem) {
	if len(r.Problems) < r.max || !r.hasKind(p.Kind) {
		r.Problems = append(r.Problems, p)
		return
	}
	r.Omitted++
}

func (r *Report) hasKind(kind string) bool {
	for _, p := range r.Problems {
		if p.Kind == kind {
			return true
		}
	}
	return false
}
