package cases

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/bundle"
)

// CustodyStep is one step of a bundle's chain of custody: an audit event of the case (opened,
// searched, included, closed, exported) or of one of its recordings read for the bundle.
type CustodyStep struct {
	Seq    int64     `json:"audit_seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Object string    `json:"object"`
	Hash   string    `json:"audit_hash"`
}

// Export is a disclosure bundle being made: the case, its included recordings opened for
// reading and the chain of custody. Write writes it; Close releases the recordings.
type Export struct {
	Case    *callvault.Case
	Custody []CustodyStep
	// ManifestSHA256 is the hex SHA-256 of the bundle's manifest once Write succeeded.
	ManifestSHA256 string
	audio          []callvault.Audio
	key            ed25519.PrivateKey
	seal           bundle.Seal
	now            time.Time
}

// ExportInput is how a bundle is to leave the vault: plain (neither field), or encrypted with
// age to the recipient's age key or to a passphrase (at least bundle.MinPassphrase characters,
// given to the recipient by another channel; never logged or stored).
type ExportInput struct {
	Recipient  string `json:"recipient,omitempty"`
	Passphrase string `json:"passphrase,omitempty"`
}

// Export prepares a disclosure bundle of the case's included recordings: it appends the
// case.export event, opens each recording through the archive's audited open (a case.disclose
// event each) and gathers the chain of custody from the audit log. Field errors (KindInvalid)
// name recipient or passphrase; KindConflict if the case includes no recording; KindUnavailable
// if this node cannot sign (no audit key) or open audio.
func (s *Service) Export(ctx context.Context, p *callvault.Principal, id string, in ExportInput) (*Export, error) {
	c, err := s.load(ctx, p, callvault.ActCaseExport, id)
	if err != nil {
		return nil, err
	}
	seal, err := bundle.ParseSeal(in.Recipient, in.Passphrase)
	if err != nil {
		return nil, err
	}
	included := c.Included()
	switch {
	case len(included) == 0:
		return nil, callvault.Errorf(callvault.KindConflict, "case %s includes no recording yet; include the recordings to disclose first", c.Reference)
	case c.Type == callvault.CaseExternalBody && c.Status == callvault.CaseClosed:
		return nil, callvault.Errorf(callvault.KindConflict, "case %s is closed: what an external body was given is recorded while the case is open", c.Reference)
	case s.SigningKey == nil || s.Archive == nil:
		return nil, callvault.Errorf(callvault.KindUnavailable, "this node holds no audit signing key or cannot open recordings; make the bundle on a node that can")
	}
	detail := map[string]any{"recordings": len(included)}
	if seal.Encrypted() {
		detail["encrypted_to"] = seal.Kind() // which kind only: never the passphrase
	}
	ev := s.event(ctx, p, callvault.ActionCaseExport, c, detail)
	if err := s.Store.AppendAudit(ctx, ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	e := &Export{Case: c, key: s.SigningKey, seal: seal, now: s.now()}
	for _, rid := range included {
		a, err := s.Archive.OpenAudited(ctx, rid, &callvault.AuditEvent{Actor: string(p.Actor), Action: callvault.ActionCaseDisclose,
			Detail: callvault.AuditDetail(map[string]any{"case": "case:" + c.ID, "reference": c.Reference})})
		if err != nil {
			e.Close()
			return nil, err
		}
		e.audio = append(e.audio, a)
	}
	if e.Custody, err = s.custody(ctx, c); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// custody returns the audit events of case c and of its recordings' disclosure, in order. It
// reads them by object (the case and each recording it ever decided on) through the store's
// index, never the whole log.
func (s *Service) custody(ctx context.Context, c *callvault.Case) ([]CustodyStep, error) {
	object, mark := "case:"+c.ID, `"case":"case:`+c.ID+`"`
	objects := []string{object}
	for _, r := range c.Recordings {
		objects = append(objects, "recording:"+r.RecordingID)
	}
	var out []CustodyStep
	for len(objects) > 0 {
		batch := objects[:min(len(objects), callvault.MaxAuditObjects)]
		objects = objects[len(batch):]
		for after := int64(0); ; {
			evs, err := s.Store.AuditEventsOf(ctx, batch, after, 1000)
			if err != nil {
				return nil, err
			}
			for _, ev := range evs {
				if ev.Object == object || (ev.Action == callvault.ActionCaseDisclose && strings.Contains(string(ev.Detail), mark)) {
					out = append(out, CustodyStep{Seq: ev.Seq, At: ev.Time, Actor: ev.Actor, Action: ev.Action, Object: ev.Object, Hash: ev.Hash})
				}
			}
			if len(evs) == 0 {
				break
			}
			after = evs[len(evs)-1].Seq
		}
	}
	slices.SortFunc(out, func(a, b CustodyStep) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// Filename is the bundle's suggested file name.
func (e *Export) Filename() string {
	if e.seal.Encrypted() {
		return e.Case.Reference + ".zip.age"
	}
	return e.Case.Reference + ".zip"
}

// ContentType is the bundle's media type: application/zip, or application/age when encrypted.
func (e *Export) ContentType() string {
	if e.seal.Encrypted() {
		return "application/age"
	}
	return "application/zip"
}

// Write writes the bundle, encrypted if it was asked for: per included recording its audio
// (recordings/ID.wav) and its metadata with the DPO's decision (recordings/ID.json), the case
// (case.json), the chain of custody (custody.json), the manifest and its signature.
func (e *Export) Write(dst io.Writer) error {
	w, err := e.seal.Wrap(dst)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := e.write(w); err != nil {
		return err
	}
	return w.Close()
}

func (e *Export) write(w io.Writer) error {
	bw := bundle.NewWriter(w, e.key, e.Case.Reference, e.now)
	for _, a := range e.audio {
		rec := a.Recording()
		if err := bw.Add("recordings/"+rec.ID+".wav", io.NewSectionReader(a, 0, a.Size())); err != nil {
			return err
		}
		meta, err := json.MarshalIndent(map[string]any{"recording": rec, "decision": e.Case.Decision(rec.ID)}, "", "  ")
		if err != nil {
			return err
		}
		if err := bw.Add("recordings/"+rec.ID+".json", strings.NewReader(string(meta))); err != nil {
			return err
		}
	}
	for name, v := range map[string]any{"case.json": e.Case.Redacted(), "custody.json": e.Custody} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		if err := bw.Add(name, strings.NewReader(string(b))); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
	}
	if err := bw.Close(); err != nil {
		return err
	}
	e.ManifestSHA256 = bw.ManifestSHA256()
	return nil
}

// Recordings returns the IDs of the recordings in the bundle.
func (e *Export) Recordings() []string {
	out := make([]string, len(e.audio))
	for i, a := range e.audio {
		out[i] = a.Recording().ID
	}
	return out
}

// Close releases the opened recordings.
func (e *Export) Close() error {
	for _, a := range e.audio {
		a.Close()
	}
	e.audio = nil
	return nil
}
