package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// Attributes of a recording imported from the provider.
const (
	AttrCallSid      = "twilio_call_sid"
	AttrRecordingSid = "twilio_recording_sid"
	AttrChannels     = "twilio_channels" // as the callback said; the stored WAV's own count is Recording.Channels
)

// DefaultAPIBase is Twilio's REST API.
const DefaultAPIBase = "https://api.twilio.com"

// Fetcher runs the import jobs: it downloads each recording with the account's credentials and
// stores it through the archive, as source "import" with source ID "twilio/<RecordingSid>".
type Fetcher struct {
	Store   callvault.ImportJobStore
	Archive callvault.Archive
	// Decode turns the upload API's metadata document into a recording (internal/metadata).
	Decode func(doc []byte) (*callvault.Recording, error)
	// Check refuses a recording that must not be kept (an unrecorded line); nil keeps all.
	Check func(rec *callvault.Recording) error
	// Verify, with DeleteAfter, checks that the stored recording is durable before the
	// provider's copy is deleted.
	Verify      func(ctx context.Context, rec *callvault.Recording) error
	DeleteAfter bool

	APIBase    string // default DefaultAPIBase; credentials are sent to nothing else
	AccountSID string
	AuthToken  string
	Client     *http.Client // default: one with a 10-minute timeout
	MaxBytes   int64        // largest recording fetched; default 512 MiB

	Holder    string        // this worker's name in the job claims
	RetryBase time.Duration // first retry after this, doubling; default 10s
	RetryMax  time.Duration // longest wait between attempts; default 1h
	Poll      time.Duration // how often due jobs are looked for; default 5s
	Logger    *slog.Logger
	Now       func() time.Time
	// OnJob, if set, is told how each attempt ended: the outcome (callvault.ImportImported or
	// ImportRefused) or "" with the error of a failed attempt to be retried (tests).
	OnJob func(j *callvault.ImportJob, outcome string, err error)

	wake chan struct{}
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fetcher) log() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

// Wake makes Run look for jobs now.
func (f *Fetcher) Wake() {
	if f.wake == nil {
		return
	}
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Init prepares Wake; call it before Run and Wake are used concurrently.
func (f *Fetcher) Init() {
	if f.wake == nil {
		f.wake = make(chan struct{}, 1)
	}
}

// Run runs due jobs until ctx ends.
func (f *Fetcher) Run(ctx context.Context) {
	f.Init()
	poll := f.Poll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.wake:
		}
		n, err := f.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			f.log().Warn("twilio: cannot claim import jobs; will retry", "err", err)
		}
		next := poll
		if n > 0 {
			next = 0 // there may be more
		}
		t.Reset(next)
	}
}

// RunOnce claims the due jobs (at most 10) and runs each once. It returns how many it ran.
func (f *Fetcher) RunOnce(ctx context.Context) (int, error) {
	now := f.now()
	jobs, err := f.Store.ClaimImportJobs(ctx, f.Holder, now, now.Add(15*time.Minute), 10)
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		if j.Kind != JobKind {
			continue
		}
		f.runJob(ctx, j)
	}
	return len(jobs), nil
}

// refusal is an error no retry can mend.
type refusal struct{ error }

func (f *Fetcher) runJob(ctx context.Context, j *callvault.ImportJob) {
	rec, outcome, err := f.attempt(ctx, j)
	now := f.now()
	// The job's end is recorded even when ctx ended (a shutdown): a claim left behind would
	// hold the job back until it expired.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var re refusal
	switch {
	case err == nil:
		if ferr := f.Store.FinishImportJob(ctx, j.ID, f.Holder, now, callvault.ImportImported, rec.ID, "", nil); ferr != nil {
			f.log().Warn("twilio: stored a recording but cannot mark its job done; the next attempt finds it stored", "recording_sid", j.Key, "err", ferr)
		}
	case errors.As(err, &re):
		outcome = callvault.ImportRefused
		ev := &callvault.AuditEvent{Time: now, Actor: string(callvault.ActorSystem), Action: callvault.ActionImportRefused,
			Object: "twilio:" + j.Key, Detail: callvault.AuditDetail(map[string]any{"source": callvault.SourceImport,
				"source_id": "twilio/" + j.Key, "reason": err.Error()})}
		f.log().Warn("twilio: recording refused", "recording_sid", j.Key, "reason", err.Error())
		if ferr := f.Store.FinishImportJob(ctx, j.ID, f.Holder, now, callvault.ImportRefused, "", err.Error(), ev); ferr != nil {
			f.log().Warn("twilio: cannot mark a refused job done", "recording_sid", j.Key, "err", ferr)
		}
	default:
		outcome = ""
		next := now.Add(f.backoff(j.Attempts))
		f.log().Warn("twilio: fetching a recording failed; will retry", "recording_sid", j.Key, "attempt", j.Attempts+1, "next", next, "err", err)
		if rerr := f.Store.RetryImportJob(ctx, j.ID, f.Holder, next, err.Error()); rerr != nil {
			f.log().Warn("twilio: cannot schedule the retry; the claim ends and the job is retried then", "recording_sid", j.Key, "err", rerr)
		}
	}
	if f.OnJob != nil {
		f.OnJob(j, outcome, err)
	}
}

func (f *Fetcher) backoff(attempts int) time.Duration {
	base, max := f.RetryBase, f.RetryMax
	if base <= 0 {
		base = 10 * time.Second
	}
	if max <= 0 {
		max = time.Hour
	}
	d := base
	for range min(attempts, 30) {
		d *= 2
		if d >= max {
			return max
		}
	}
	return d
}

// attempt runs one job once: describe, check, fetch, store, and with DeleteAfter verify and
// delete at the provider.
func (f *Fetcher) attempt(ctx context.Context, j *callvault.ImportJob) (*callvault.Recording, string, error) {
	var cb callback
	if err := json.Unmarshal([]byte(j.Payload), &cb); err != nil {
		return nil, "", refusal{fmt.Errorf("the job's callback cannot be read: %w", err)}
	}
	if cb.From == "" && cb.To == "" {
		if err := f.callDetails(ctx, &cb); err != nil {
			return nil, "", err
		}
	}
	rec, err := f.Decode(describe(&cb))
	if err != nil {
		return nil, "", refusal{fmt.Errorf("call %s: %w", cb.CallSid, err)}
	}
	rec.Attributes = map[string]string{AttrCallSid: cb.CallSid, AttrRecordingSid: cb.RecordingSid}
	if cb.RecordingChannels != "" {
		rec.Attributes[AttrChannels] = cb.RecordingChannels
	}
	if f.Check != nil {
		if err := f.Check(rec); err != nil {
			return nil, "", refusal{fmt.Errorf("call %s: %w", cb.CallSid, err)}
		}
	}
	wavURL, err := f.providerURL(strings.TrimSuffix(cb.RecordingURL, ".wav") + ".wav")
	if err != nil {
		return nil, "", refusal{err}
	}
	body, err := f.get(ctx, wavURL)
	if err != nil {
		return nil, "", err
	}
	defer body.Close()
	stored, _, err := f.Archive.Ingest(ctx, callvault.IngestRequest{Actor: "provider:twilio", Recording: rec, Audio: body})
	if err != nil {
		switch callvault.ErrorKind(err) {
		case callvault.KindInvalid, callvault.KindConflict, callvault.KindTooLarge:
			return nil, "", refusal{fmt.Errorf("recording %s: %w", cb.RecordingSid, err)}
		}
		return nil, "", err
	}
	if f.DeleteAfter {
		f.deleteAtProvider(ctx, stored, &cb)
	}
	return stored, callvault.ImportImported, nil
}

// deleteAtProvider deletes the provider's copy once the stored one is verified. A failure is
// logged and leaves the copy there (the recording is stored either way).
func (f *Fetcher) deleteAtProvider(ctx context.Context, stored *callvault.Recording, cb *callback) {
	if f.Verify == nil {
		f.log().Warn("twilio: no verifier; the provider's copy is kept", "recording_sid", cb.RecordingSid)
		return
	}
	if err := f.Verify(ctx, stored); err != nil {
		f.log().Error("twilio: the stored recording did not verify; the provider's copy is kept", "recording_sid", cb.RecordingSid, "err", err)
		return
	}
	u, err := f.providerURL(f.base() + "/2010-04-01/Accounts/" + url.PathEscape(f.AccountSID) + "/Recordings/" + url.PathEscape(cb.RecordingSid) + ".json")
	if err != nil {
		return
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, u, nil)
	req.SetBasicAuth(f.AccountSID, f.AuthToken)
	resp, err := f.client().Do(req)
	if err != nil {
		f.log().Warn("twilio: cannot delete the provider's copy", "recording_sid", cb.RecordingSid, "err", err)
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotFound {
		f.log().Warn("twilio: the provider refused to delete its copy", "recording_sid", cb.RecordingSid, "status", resp.StatusCode)
	}
}

func (f *Fetcher) base() string {
	if f.APIBase == "" {
		return DefaultAPIBase
	}
	return strings.TrimSuffix(f.APIBase, "/")
}

// client returns the HTTP client, made to drop the account's credentials from a redirect to
// anywhere but the API base (Go's own rule keeps them for the same host on another port or
// scheme, and for its subdomains).
func (f *Fetcher) client() *http.Client {
	c := http.Client{Timeout: 10 * time.Minute}
	if f.Client != nil {
		c = *f.Client
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if _, err := f.providerURL(req.URL.String()); err != nil {
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// providerURL returns raw if it is at the configured API base (same scheme and host), so that
// the account's credentials go nowhere else.
func (f *Fetcher) providerURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	b, berr := url.Parse(f.base())
	if err != nil || berr != nil || u.Scheme != b.Scheme || u.Host != b.Host {
		return "", fmt.Errorf("the recording's URL is not at the configured provider API base %s; the account's credentials are sent only there", f.base())
	}
	return u.String(), nil
}

// get fetches u with the account's credentials; any answer but 200 is an error to retry.
func (f *Fetcher) get(ctx context.Context, u string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(f.AccountSID, f.AuthToken)
	resp, err := f.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching from the provider: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("the provider answered %s for %s", resp.Status, req.URL.Path)
	}
	max := f.MaxBytes
	if max <= 0 {
		max = 512 << 20
	}
	return &limitedBody{rc: resp.Body, left: max}, nil
}

// limitedBody fails a download longer than its limit instead of storing it cut short.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, callvault.Errorf(callvault.KindTooLarge, "the recording is larger than the configured limit")
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// callDetails fills the parties and direction from the provider's Call resource, for
// callbacks that carry only the recording's identifiers (Twilio's do).
func (f *Fetcher) callDetails(ctx context.Context, cb *callback) error {
	u, err := f.providerURL(f.base() + "/2010-04-01/Accounts/" + url.PathEscape(f.AccountSID) + "/Calls/" + url.PathEscape(cb.CallSid) + ".json")
	if err != nil {
		return refusal{err}
	}
	body, err := f.get(ctx, u)
	if err != nil {
		return err
	}
	defer body.Close()
	var call struct {
		From      string `json:"from"`
		To        string `json:"to"`
		Direction string `json:"direction"`
		StartTime string `json:"start_time"`
	}
	if err := json.NewDecoder(io.LimitReader(body, 1<<20)).Decode(&call); err != nil {
		return fmt.Errorf("reading call %s from the provider: %w", cb.CallSid, err)
	}
	cb.From, cb.To, cb.Direction = call.From, call.To, call.Direction
	if cb.RecordingStartTime == "" {
		cb.RecordingStartTime = call.StartTime
	}
	return nil
}

// describe returns the upload API's metadata document of a callback.
func describe(cb *callback) []byte {
	doc := map[string]any{"source": string(callvault.SourceImport), "source_id": "twilio/" + cb.RecordingSid,
		"announcement_played": string(callvault.AnnouncementUnknown)}
	if cb.Announcement != "" {
		doc["announcement_played"] = cb.Announcement
	}
	if t, err := time.Parse(time.RFC1123Z, cb.RecordingStartTime); err == nil {
		doc["started_at"] = t.UTC().Format(time.RFC3339)
	} else {
		doc["started_at"] = cb.RecordingStartTime // refused by the decoder, with the field named
	}
	var parties []map[string]string
	if cb.From != "" {
		parties = append(parties, map[string]string{"number": cb.From, "role": string(callvault.RoleCaller)})
	}
	if cb.To != "" {
		parties = append(parties, map[string]string{"number": cb.To, "role": string(callvault.RoleCallee)})
	}
	if parties != nil {
		doc["parties"] = parties
	}
	switch {
	case cb.Direction == "inbound":
		doc["direction"] = string(callvault.DirectionInbound)
		doc["line"] = cb.To
		if cb.From != "" {
			doc["external_numbers"] = []string{cb.From}
		}
	case strings.HasPrefix(cb.Direction, "outbound"):
		doc["direction"] = string(callvault.DirectionOutbound)
		doc["line"] = cb.From
		if cb.To != "" {
			doc["external_numbers"] = []string{cb.To}
		}
	}
	b, _ := json.Marshal(doc)
	return b
}
