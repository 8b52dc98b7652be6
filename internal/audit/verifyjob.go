package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callvault/callvault"
)

// VerifyJobs runs Verify in the background for the pages, one run at a time: a person starts
// one and watches its progress rather than waiting on a request that would time out. Each
// finished run is an audit.verify event (result ok or failed, the first problem and its seq,
// when it started and ended), so the result of the last verification is in the log the
// auditor reads and survives a restart. Runs belong to the server: Close cancels the one in
// progress (it records nothing) and waits for it.
type VerifyJobs struct {
	store   VerifyStore
	blobs   callvault.BlobStore
	key     func() ed25519.PublicKey
	options func(ctx context.Context) (VerifyOptions, error)
	broken  func(first Problem)
	append  func(ctx context.Context, ev *callvault.AuditEvent) error
	now     func() time.Time

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	running *VerifyProgress // nil when no run is in progress
	done    *VerifyProgress // the last run of this process, once it ended
	counter *atomic.Int64   // events checked by the run in progress

	lastMu   sync.Mutex
	last     *VerifyResult // the newest audit.verify event seen
	lastSeen int64         // the log is searched up to this seq
}

// VerifyJobsConfig is what VerifyJobs needs.
type VerifyJobsConfig struct {
	Store VerifyStore
	Blobs callvault.BlobStore
	// Key returns the checkpoint verify key (the vault's, read when a run starts).
	Key func() ed25519.PublicKey
	// Options, if set, returns the options of a run when it starts (the witness files, read
	// before the log is walked).
	Options func(ctx context.Context) (VerifyOptions, error)
	// Broken, if set, is told the first problem of a run that found the log broken (the
	// checkpointer then refuses to vouch for it).
	Broken func(first Problem)
	// Append, if set, appends the run's audit.verify event (default Store.AppendAudit).
	Append func(ctx context.Context, ev *callvault.AuditEvent) error
	Now    func() time.Time
}

// NewVerifyJobs returns the job manager of a server whose lifetime is ctx.
func NewVerifyJobs(ctx context.Context, cfg VerifyJobsConfig) *VerifyJobs {
	j := &VerifyJobs{store: cfg.Store, blobs: cfg.Blobs, key: cfg.Key, options: cfg.Options, broken: cfg.Broken, append: cfg.Append, now: cfg.Now}
	if j.append == nil {
		j.append = cfg.Store.AppendAudit
	}
	if j.now == nil {
		j.now = time.Now
	}
	j.ctx, j.cancel = context.WithCancel(ctx)
	return j
}

// VerifyProgress is the state of one run.
type VerifyProgress struct {
	Running   bool      `json:"running"`
	By        string    `json:"by"`      // the actor who started it
	Checked   int64     `json:"checked"` // events checked so far
	Total     int64     `json:"total"`   // events in the log when the run started
	StartedAt time.Time `json:"started_at"`
	// Phase says what the run is doing: "log", then "recordings" (blobs are re-hashed after
	// the chain is walked), then "done".
	Phase  string        `json:"phase"`
	Result *VerifyResult `json:"result,omitempty"` // when it ended
	Error  string        `json:"error,omitempty"`  // a run that could not finish
}

// VerifyResult is the outcome of a verification, as its audit.verify event records it.
type VerifyResult struct {
	Seq          int64     `json:"seq"` // of the audit.verify event
	By           string    `json:"by"`
	OK           bool      `json:"ok"`
	Events       int64     `json:"events"`
	Recordings   int64     `json:"recordings"`
	FirstProblem string    `json:"first_problem,omitempty"`
	FirstSeq     int64     `json:"first_seq,omitempty"` // the first broken event, if an event is
	StartedAt    time.Time `json:"started_at,omitzero"`
	FinishedAt   time.Time `json:"finished_at"`
}

// Start begins a run by actor. Errors: KindConflict when one is already running;
// KindUnavailable after Close.
func (j *VerifyJobs) Start(actor callvault.Actor) (*VerifyProgress, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.running != nil {
		return j.snapshot(j.running), callvault.Errorf(callvault.KindConflict, "a verification is already running")
	}
	if j.ctx.Err() != nil {
		return nil, callvault.Errorf(callvault.KindUnavailable, "the server is stopping")
	}
	head, err := j.store.AuditHead(j.ctx)
	if err != nil {
		return nil, err
	}
	pr := &VerifyProgress{Running: true, By: string(actor), StartedAt: j.now().UTC(), Phase: "log"}
	if head != nil {
		pr.Total = head.Seq
	}
	j.running, j.counter = pr, &atomic.Int64{}
	j.wg.Add(1)
	go j.run(pr, j.counter, actor)
	return j.snapshot(pr), nil
}

// Progress returns the run in progress, or else the last run of this process, or nil.
func (j *VerifyJobs) Progress() *VerifyProgress {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.running != nil {
		return j.snapshot(j.running)
	}
	if j.done != nil {
		return j.snapshot(j.done)
	}
	return nil
}

func (j *VerifyJobs) snapshot(p *VerifyProgress) *VerifyProgress {
	c := *p
	if p == j.running && j.counter != nil {
		c.Checked = min(j.counter.Load(), c.Total)
		if c.Checked >= c.Total && c.Total > 0 {
			c.Phase = "recordings"
		}
	}
	return &c
}

// Wait waits for the run in progress, if any, to end.
func (j *VerifyJobs) Wait() { j.wg.Wait() }

// Close cancels the run in progress and waits for it to end.
func (j *VerifyJobs) Close() {
	j.cancel()
	j.wg.Wait()
}

func (j *VerifyJobs) run(pr *VerifyProgress, counter *atomic.Int64, actor callvault.Actor) {
	defer j.wg.Done()
	res, err := j.verify(counter, actor, pr.StartedAt)
	j.mu.Lock()
	defer j.mu.Unlock()
	pr.Running, pr.Phase, pr.Result, pr.Checked = false, "done", res, min(counter.Load(), pr.Total)
	if err != nil {
		pr.Error = callvault.ErrorMessage(err)
	}
	j.running, j.done, j.counter = nil, pr, nil
}

func (j *VerifyJobs) verify(counter *atomic.Int64, actor callvault.Actor, started time.Time) (*VerifyResult, error) {
	ctx := j.ctx
	var opts VerifyOptions
	if j.options != nil {
		var err error
		if opts, err = j.options(ctx); err != nil {
			return nil, err
		}
	}
	var pub ed25519.PublicKey
	if j.key != nil {
		pub = j.key()
	}
	if j.blobs == nil {
		opts.SkipBlobs = true
	}
	rep, err := Verify(ctx, countEvents(j.store, counter), j.blobs, pub, opts)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{By: string(actor), OK: rep.OK(), Events: rep.Events, Recordings: rep.Recordings,
		StartedAt: started, FinishedAt: j.now().UTC()}
	detail := map[string]any{"events": rep.Events, "recordings": rep.Recordings, "result": "ok",
		"started_at": started.Format(time.RFC3339Nano), "finished_at": res.FinishedAt.Format(time.RFC3339Nano), "via": "page"}
	if !res.OK {
		first := rep.FirstProblem()
		if first == nil { // only omitted problems: cannot happen, the first is always kept
			first = &Problem{Kind: ProblemEvent, Message: "problems were found"}
		}
		res.FirstProblem, res.FirstSeq = first.String(), first.Seq
		detail["result"], detail["first_problem"], detail["problems"] = "failed", res.FirstProblem, len(rep.Problems)+rep.Omitted
		if first.Seq != 0 {
			detail["first_seq"] = first.Seq
		}
		if j.broken != nil {
			j.broken(*first)
		}
	}
	ev := &callvault.AuditEvent{Time: j.now(), Actor: string(actor), Action: callvault.ActionAuditVerify, Object: "audit:log",
		Detail: callvault.AuditDetail(detail)}
	if err := j.append(ctx, ev); err != nil {
		return res, err
	}
	res.Seq = ev.Seq
	j.lastMu.Lock()
	if ev.Seq > j.lastSeenSeq() {
		j.last = res
	}
	j.lastMu.Unlock()
	return res, nil
}

func (j *VerifyJobs) lastSeenSeq() int64 {
	if j.last == nil {
		return 0
	}
	return j.last.Seq
}

// Last returns the newest verification in the log (by a page or `callvault audit verify`), or
// nil if there is none. The first call reads the log backwards from its end until it finds
// one; later calls read only the events appended since.
func (j *VerifyJobs) Last(ctx context.Context) (*VerifyResult, error) {
	j.lastMu.Lock()
	defer j.lastMu.Unlock()
	head, err := j.store.AuditHead(ctx)
	if err != nil || head == nil {
		return j.last, err
	}
	if j.lastSeen == 0 {
		found, err := j.findBackwards(ctx, head.Seq)
		if err != nil {
			return nil, err
		}
		if found != nil && found.Seq > j.lastSeenSeq() {
			j.last = found
		}
		j.lastSeen = head.Seq
		return j.last, nil
	}
	for after := j.lastSeen; after < head.Seq; {
		page, err := j.store.AuditEvents(ctx, after, eventPage)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			if r := verifyResultOf(ev); r != nil && r.Seq > j.lastSeenSeq() {
				j.last = r
			}
		}
		after = page[len(page)-1].Seq
		j.lastSeen = after
	}
	return j.last, nil
}

func (j *VerifyJobs) findBackwards(ctx context.Context, head int64) (*VerifyResult, error) {
	for end := head; end > 0; end -= eventPage {
		after := max(end-eventPage, 0)
		page, err := j.store.AuditEvents(ctx, after, int(end-after))
		if err != nil {
			return nil, err
		}
		for i := len(page) - 1; i >= 0; i-- {
			if r := verifyResultOf(page[i]); r != nil {
				return r, nil
			}
		}
	}
	return nil, nil
}

// verifyResultOf reads an audit.verify event, or returns nil for any other.
func verifyResultOf(ev *callvault.AuditEvent) *VerifyResult {
	if ev.Action != callvault.ActionAuditVerify {
		return nil
	}
	var d struct {
		Events       int64  `json:"events"`
		Recordings   int64  `json:"recordings"`
		Result       string `json:"result"`
		FirstProblem string `json:"first_problem"`
		FirstSeq     int64  `json:"first_seq"`
		StartedAt    string `json:"started_at"`
	}
	_ = json.Unmarshal([]byte(ev.Detail), &d) // an unreadable detail is a failed run without words
	r := &VerifyResult{Seq: ev.Seq, By: ev.Actor, OK: d.Result == "ok", Events: d.Events, Recordings: d.Recordings,
		FirstProblem: d.FirstProblem, FirstSeq: d.FirstSeq, FinishedAt: ev.Time}
	if t, err := time.Parse(time.RFC3339Nano, d.StartedAt); err == nil {
		r.StartedAt = t
	}
	return r
}

// countEvents wraps store so that counter follows the highest seq Verify has read, keeping
// the tombstones Verify checks when store has them.
func countEvents(store VerifyStore, counter *atomic.Int64) VerifyStore {
	c := &countingStore{VerifyStore: store, counter: counter}
	if tl, ok := store.(tombstoneLister); ok {
		return &countingTombstones{countingStore: c, tl: tl}
	}
	return c
}

type countingStore struct {
	VerifyStore
	counter *atomic.Int64
}

func (c *countingStore) AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]*callvault.AuditEvent, error) {
	evs, err := c.VerifyStore.AuditEvents(ctx, afterSeq, limit)
	if n := len(evs); n > 0 && evs[n-1].Seq > c.counter.Load() {
		c.counter.Store(evs[n-1].Seq)
	}
	return evs, err
}

type countingTombstones struct {
	*countingStore
	tl tombstoneLister
}

func (c *countingTombstones) Tombstones(ctx context.Context, afterID string, limit int) ([]*callvault.Tombstone, error) {
	return c.tl.Tombstones(ctx, afterID, limit)
}
