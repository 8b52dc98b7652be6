package cases

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"golang.org/x/crypto/argon2"
)

// Listening link settings.
const (
	DefaultLinkExpiry = 14 * 24 * time.Hour
	MaxLinkExpiry     = 90 * 24 * time.Hour
	DefaultMaxPlays   = 20
	MaxPasscodeTries  = 5                // wrong passcodes in a row that lock a link
	LinkLockout       = 15 * time.Minute // how long a locked link stays locked
	maxUpdateRetries  = 5
)

// LinkInput is what issuing a listening link takes.
type LinkInput struct {
	ExpiresInDays int    `json:"expires_in_days,omitempty"` // default 14
	Passcode      string `json:"passcode,omitempty"`        // sent to the requester by another channel
	MaxPlays      int    `json:"max_plays,omitempty"`       // default 20
	AllowCopy     bool   `json:"allow_copy,omitempty"`      // offer a download as well as listening
}

// IssuedLink is the answer to issuing a link: Path holds the secret and is shown only once.
type IssuedLink struct {
	ID        string    `json:"id"`
	Path      string    `json:"path"` // /listen/CASE/SECRET
	URL       string    `json:"url"`  // Path on the vault's public URL, when the caller gives one
	ExpiresAt time.Time `json:"expires_at"`
	MaxPlays  int       `json:"max_plays"`
}

// IssueLink issues a listening link to the included recordings of subject access case id.
func (s *Service) IssueLink(ctx context.Context, p *callvault.Principal, id string, in LinkInput) (*IssuedLink, error) {
	c, err := s.load(ctx, p, callvault.ActCaseLink, id)
	if err != nil {
		return nil, err
	}
	var fe callvault.FieldErrors
	days, plays := in.ExpiresInDays, in.MaxPlays
	if days == 0 {
		days = int(DefaultLinkExpiry / (24 * time.Hour))
	}
	if plays == 0 {
		plays = DefaultMaxPlays
	}
	if days < 1 || time.Duration(days)*24*time.Hour > MaxLinkExpiry {
		fe.Add("expires_in_days", fmt.Sprintf("must be 1 to %d", int(MaxLinkExpiry/(24*time.Hour))))
	}
	if plays < 1 || plays > 1000 {
		fe.Add("max_plays", "must be 1 to 1000")
	}
	if in.Passcode != "" && (len(in.Passcode) < 6 || len(in.Passcode) > 64) {
		fe.Add("passcode", "must be 6 to 64 characters")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	switch {
	case c.Type != callvault.CaseSubjectAccess:
		return nil, callvault.Errorf(callvault.KindConflict, "listening links are for subject access cases; %s is a %s case", c.Reference, c.Type)
	case c.Status == callvault.CaseClosed:
		return nil, callvault.Errorf(callvault.KindConflict, "case %s is closed", c.Reference)
	case len(c.Included()) == 0:
		return nil, callvault.Errorf(callvault.KindConflict, "case %s includes no recording yet", c.Reference)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	token := base64.RawURLEncoding.EncodeToString(secret)
	now := s.now()
	l := callvault.CaseLink{ID: callvault.NewID(), RecordingIDs: c.Included(), CreatedAt: now, CreatedBy: string(p.Actor),
		ExpiresAt: now.Add(time.Duration(days) * 24 * time.Hour), SecretHash: hashSecret(token), MaxPlays: plays, AllowCopy: in.AllowCopy}
	if in.Passcode != "" {
		l.Passcode = hashPasscode(in.Passcode)
	}
	c.Links = append(c.Links, l)
	s.step(c, p, "link issued", l.ID)
	ev := s.event(ctx, p, callvault.ActionCaseLinkIssue, c, map[string]any{"link": l.ID, "recordings": len(l.RecordingIDs),
		"expires_at": l.ExpiresAt, "max_plays": plays, "passcode": in.Passcode != "", "allow_copy": in.AllowCopy})
	if err := s.update(ctx, c, ev); err != nil {
		return nil, err
	}
	return &IssuedLink{ID: l.ID, Path: "/listen/" + c.ID + "/" + token, ExpiresAt: l.ExpiresAt, MaxPlays: plays}, nil
}

// RevokeLink ends a listening link at once.
func (s *Service) RevokeLink(ctx context.Context, p *callvault.Principal, id, linkID string) (*callvault.Case, error) {
	c, err := s.load(ctx, p, callvault.ActCaseLink, id)
	if err != nil {
		return nil, err
	}
	l := c.Link(linkID)
	if l == nil {
		return nil, callvault.Errorf(callvault.KindNotFound, "case %s has no such link", c.Reference)
	}
	if l.RevokedAt != nil {
		return nil, callvault.Errorf(callvault.KindConflict, "the link was revoked already")
	}
	now := s.now()
	l.RevokedAt = &now
	s.step(c, p, "link revoked", linkID)
	if err := s.update(ctx, c, s.event(ctx, p, callvault.ActionCaseLinkRevoke, c, map[string]any{"link": linkID})); err != nil {
		return nil, err
	}
	return c, nil
}

// LinkRecording is what a listening page shows of a recording: nothing about the organisation.
type LinkRecording struct {
	ID        string        `json:"id"`
	StartedAt time.Time     `json:"started_at"`
	Duration  time.Duration `json:"duration"`
}

// LinkView is an open listening link.
type LinkView struct {
	Case       *callvault.Case
	Link       *callvault.CaseLink
	Recordings []LinkRecording
}

// ErrPasscodeNeeded is returned (KindUnauthenticated) when a link needs a passcode and none was given.
var ErrPasscodeNeeded = callvault.Errorf(callvault.KindUnauthenticated, "this link needs the passcode you were sent separately")

// OpenLink checks a listening link (case id, secret, passcode) and returns what it shows. Every
// refusal but an unknown link is audited; wrong passcodes are counted and lock the link after
// MaxPasscodeTries. A link ends when its case closes, and reaches only the recordings the case
// still includes. Errors: KindNotFound (no such link, expired, revoked, case closed), KindUnauthenticated
// (passcode missing or wrong), KindForbidden (locked).
func (s *Service) OpenLink(ctx context.Context, caseID, secret, passcode string) (*LinkView, error) {
	c, l, err := s.checkLink(ctx, caseID, secret, passcode)
	if err != nil {
		return nil, err
	}
	v := &LinkView{Case: c, Link: l}
	included := c.Included()
	for _, rid := range l.RecordingIDs {
		if !slices.Contains(included, rid) {
			continue // excluded from the case since the link was issued
		}
		if r, err := s.Recordings.Recording(ctx, rid); err == nil {
			v.Recordings = append(v.Recordings, LinkRecording{ID: r.ID, StartedAt: r.StartedAt, Duration: r.Duration})
		}
	}
	return v, nil
}

// PlayLink opens recording rid through a link for listening. count says whether this request
// starts a play (not a continuation of one by Range): a play is counted against the limit and
// audited; every read of audio is audited by the archive.
func (s *Service) PlayLink(ctx context.Context, caseID, secret, passcode, rid string, count bool) (callvault.Audio, *callvault.CaseLink, error) {
	for attempt := 0; ; attempt++ {
		c, l, err := s.checkLink(ctx, caseID, secret, passcode)
		if err != nil {
			return nil, nil, err
		}
		actor := "link:" + l.ID
		if !slices.Contains(l.RecordingIDs, rid) {
			s.refuse(ctx, c, l.ID, "recording outside the link")
			return nil, nil, callvault.Errorf(callvault.KindNotFound, "no such recording on this link")
		}
		if !slices.Contains(c.Included(), rid) {
			// Excluded from the case after the link was issued: the link no longer reaches it.
			s.refuse(ctx, c, l.ID, "recording excluded from the case")
			return nil, nil, callvault.Errorf(callvault.KindNotFound, "no such recording on this link")
		}
		if count {
			if l.Plays >= l.MaxPlays {
				s.refuse(ctx, c, l.ID, "play limit reached")
				return nil, nil, callvault.Errorf(callvault.KindForbidden, "this link has been played %d times, its limit; ask the Data Protection Officer for another", l.MaxPlays)
			}
			l.Plays++
			ev := &callvault.AuditEvent{Time: s.now(), Actor: actor, Action: callvault.ActionCaseLinkPlay, Object: "case:" + c.ID,
				RequestID: callvault.RequestIDFrom(ctx), Detail: callvault.AuditDetail(map[string]any{"link": l.ID, "recording_id": rid, "play": l.Plays})}
			if err := s.Store.UpdateCase(ctx, c, ev); err != nil {
				if callvault.IsKind(err, callvault.KindConflict) && attempt < maxUpdateRetries && c.Status == callvault.CaseOpen {
					continue // a concurrent play or change: read again
				}
				return nil, nil, err
			}
			s.after(ctx)
		}
		if s.Archive == nil {
			return nil, nil, callvault.Errorf(callvault.KindUnavailable, "this node cannot open recordings")
		}
		a, err := s.Archive.OpenAudited(ctx, rid, &callvault.AuditEvent{Actor: actor, Action: callvault.ActionCaseLinkAudio,
			Detail: callvault.AuditDetail(map[string]any{"case": "case:" + c.ID, "link": l.ID})})
		return a, l, err
	}
}

// checkLink finds the link of secret on case caseID and checks it is live and the passcode.
func (s *Service) checkLink(ctx context.Context, caseID, secret, passcode string) (*callvault.Case, *callvault.CaseLink, error) {
	gone := callvault.Errorf(callvault.KindNotFound, "this link does not exist, has expired or was withdrawn")
	if !callvault.ValidID(caseID) || len(secret) < 40 || len(secret) > 64 {
		return nil, nil, gone
	}
	for attempt := 0; ; attempt++ {
		c, err := s.Store.Case(ctx, caseID)
		if err != nil {
			return nil, nil, gone
		}
		var l *callvault.CaseLink
		h := hashSecret(secret)
		for i := range c.Links {
			if subtle.ConstantTimeCompare([]byte(c.Links[i].SecretHash), []byte(h)) == 1 {
				l = &c.Links[i]
			}
		}
		now := s.now()
		switch {
		case l == nil:
			return nil, nil, gone
		case l.RevokedAt != nil:
			s.refuse(ctx, c, l.ID, "revoked")
			return nil, nil, gone
		case c.Status == callvault.CaseClosed:
			// A link serves the case's answer: once the case is closed it ends with it.
			s.refuse(ctx, c, l.ID, "case closed")
			return nil, nil, gone
		case !now.Before(l.ExpiresAt):
			s.refuse(ctx, c, l.ID, "expired")
			return nil, nil, gone
		case now.Before(l.LockedUntil):
			s.refuse(ctx, c, l.ID, "locked")
			return nil, nil, callvault.Errorf(callvault.KindForbidden, "too many wrong passcodes; try again after %s", l.LockedUntil.In(callvault.DefaultZone()).Format("15:04"))
		case l.Passcode == "":
			return c, l, nil
		case passcode == "":
			return nil, nil, ErrPasscodeNeeded
		case checkPasscode(l.Passcode, passcode):
			if l.Failures == 0 {
				return c, l, nil
			}
			l.Failures = 0
			if err := s.Store.UpdateCase(ctx, c, s.linkEvent(ctx, c, l.ID, callvault.ActionCaseLinkPasscode, "passcode accepted; failures reset")); err != nil {
				if callvault.IsKind(err, callvault.KindConflict) && attempt < maxUpdateRetries {
					continue
				}
				return nil, nil, err
			}
			return c, l, nil
		}
		l.Failures++
		reason := "wrong passcode"
		if l.Failures >= MaxPasscodeTries {
			l.LockedUntil, l.Failures = now.Add(LinkLockout), 0
			reason = "wrong passcode; link locked"
		}
		if err := s.Store.UpdateCase(ctx, c, s.linkEvent(ctx, c, l.ID, callvault.ActionCaseLinkRefuse, reason)); err != nil {
			if callvault.IsKind(err, callvault.KindConflict) && attempt < maxUpdateRetries && c.Status == callvault.CaseOpen {
				continue
			}
			return nil, nil, err
		}
		s.after(ctx)
		return nil, nil, callvault.Errorf(callvault.KindUnauthenticated, "the passcode is wrong")
	}
}

func (s *Service) linkEvent(ctx context.Context, c *callvault.Case, linkID, action, reason string) *callvault.AuditEvent {
	return &callvault.AuditEvent{Time: s.now(), Actor: "link:" + linkID, Action: action, Object: "case:" + c.ID,
		RequestID: callvault.RequestIDFrom(ctx), Detail: callvault.AuditDetail(map[string]any{"link": linkID, "reason": reason})}
}

// refuse audits a refusal that changes nothing.
func (s *Service) refuse(ctx context.Context, c *callvault.Case, linkID, reason string) {
	if err := s.Store.AppendAudit(ctx, s.linkEvent(ctx, c, linkID, callvault.ActionCaseLinkRefuse, reason)); err == nil {
		s.after(ctx)
	}
}

func hashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func hashPasscode(p string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	return hex.EncodeToString(salt) + "." + hex.EncodeToString(argon2.IDKey([]byte(p), salt, 2, 19*1024, 1, 32))
}

func checkPasscode(stored, p string) bool {
	saltHex, sumHex, ok := strings.Cut(stored, ".")
	salt, err1 := hex.DecodeString(saltHex)
	sum, err2 := hex.DecodeString(sumHex)
	if !ok || err1 != nil || err2 != nil {
		return false
	}
	return subtle.ConstantTimeCompare(argon2.IDKey([]byte(p), salt, 2, 19*1024, 1, 32), sum) == 1
}
