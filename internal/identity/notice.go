package identity

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/callvault/callvault"
)

// Notice is the staff notice of section 3 of the policy: calls are recorded. Each user
// acknowledges the current Version once (time and version kept); until then a session may do
// nothing else.
type Notice struct {
	Version int    `json:"version"`
	Text    string `json:"text"`
}

// DefaultNotice is the notice a vault starts with.
var DefaultNotice = Notice{Version: 1, Text: "Telephone calls made and received on the company's lines are recorded. " +
	"Recordings are used only for the purposes of the call recording policy (training, performance, protection " +
	"from abusive calls, complaints, quality, regulatory duties and, with the written agreement of the Data " +
	"Protection Officer, disciplinary matters). Access to a recording must be requested with a reason and " +
	"authorised by senior management; every access is recorded in an audit log. Recordings are deleted after " +
	"the retention period. Card payments are taken on an unrecorded line."}

// CurrentNotice returns the notice users must acknowledge: the highest version stored in the
// catalogue (s.Notices), or the configured s.Notice while none is stored or while the
// configuration's version is higher (serve imports it: ImportConfigNotice). The stored version
// is cached for NoticeFresh (default 2 seconds by s.Now), so every node follows a new version
// within that time without a restart, and a sign-in check costs no query most of the time; a
// save on this node is seen at once.
func (s *Service) CurrentNotice(ctx context.Context) (Notice, error) {
	cfg := s.configNotice()
	if s.Notices == nil {
		return cfg, nil
	}
	stored, err := s.storedNotice(ctx)
	if err != nil {
		return Notice{}, err
	}
	if stored == nil || stored.Version < cfg.Version {
		return cfg, nil
	}
	return Notice{Version: stored.Version, Text: stored.Text}, nil
}

// configNotice is the notice of the configuration (notice_file), or the built-in one.
func (s *Service) configNotice() Notice {
	if s.Notice.Version <= 0 {
		return DefaultNotice
	}
	return s.Notice
}

// noticeCache keeps the latest stored version for a short while.
type noticeCache struct {
	mu     sync.Mutex
	latest *callvault.NoticeVersion // nil: none stored
	readAt time.Time
	valid  bool
}

// storedNotice returns the latest stored version (nil when none is), from the cache while it
// is fresh.
func (s *Service) storedNotice(ctx context.Context) (*callvault.NoticeVersion, error) {
	fresh := s.NoticeFresh
	if fresh == 0 {
		fresh = 2 * time.Second
	}
	now := s.now()
	c := &s.noticeCache
	c.mu.Lock()
	if c.valid && now.Sub(c.readAt) < fresh && !now.Before(c.readAt) {
		n := c.latest
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	n, err := s.Notices.LatestNotice(ctx)
	switch {
	case callvault.IsKind(err, callvault.KindNotFound):
		n = nil
	case err != nil:
		return nil, err
	}
	c.mu.Lock()
	c.latest, c.readAt, c.valid = n, now, true
	c.mu.Unlock()
	return n, nil
}

// forgetNotice drops the cached version, so this node reads the one it just stored.
func (s *Service) forgetNotice() {
	s.noticeCache.mu.Lock()
	s.noticeCache.valid = false
	s.noticeCache.mu.Unlock()
}

// NoticeVersions returns the stored versions of the notice, newest first (none while the
// configured notice has never been changed in the browser).
func (s *Service) NoticeVersions(ctx context.Context) ([]*callvault.NoticeVersion, error) {
	if s.Notices == nil {
		return nil, nil
	}
	return s.Notices.NoticeVersions(ctx)
}

// NoticeEdit is a new text of the notice: From is the version its author read and changed
// (a save from an older version is refused), Note says what changed and why.
type NoticeEdit struct {
	From int
	Text string
	Note string
}

// SaveNotice stores edit's text as the next version of the notice, by p, audited (notice.edit)
// in the same transaction; everyone else then acknowledges it at their next request (p, a
// person, has acknowledged it by saving it: its own notice.acknowledge event).
// While none is stored, the configured notice is stored first as the version it replaces
// (notice.import), so the history starts with what people acknowledged. Errors: KindInvalid
// naming the field (an empty or over-long text, a text identical to the current one, an
// over-long note); KindConflict when the notice changed since edit.From was read;
// KindUnavailable when the catalogue keeps no notices.
func (s *Service) SaveNotice(ctx context.Context, p *callvault.Principal, edit NoticeEdit) (Notice, error) {
	actor := p.Actor
	if s.Notices == nil {
		return Notice{}, callvault.Errorf(callvault.KindUnavailable, "this vault's catalogue does not keep the notice")
	}
	text, note := normaliseNotice(edit.Text), strings.TrimSpace(edit.Note)
	var bad callvault.FieldErrors
	switch {
	case text == "":
		bad.Add("text", "is required: write the notice")
	case utf8.RuneCountInString(text) > callvault.MaxNoticeLength:
		bad.Add("text", fmt.Sprintf("is longer than %d characters", callvault.MaxNoticeLength))
	}
	if utf8.RuneCountInString(note) > callvault.MaxNoticeNoteLength {
		bad.Add("note", fmt.Sprintf("is longer than %d characters", callvault.MaxNoticeNoteLength))
	}
	if err := bad.Err(); err != nil {
		return Notice{}, err
	}
	s.forgetNotice()
	defer s.forgetNotice()
	cur, err := s.CurrentNotice(ctx)
	if err != nil {
		return Notice{}, err
	}
	if edit.From != cur.Version {
		return Notice{}, callvault.Errorf(callvault.KindConflict, "the notice changed while you edited it: version %d is now current; read it and make your change again", cur.Version)
	}
	if text == cur.Text {
		bad.Add("text", fmt.Sprintf("is the same as version %d: change it, or leave the notice as it is", cur.Version))
		return Notice{}, bad.Err()
	}
	if err := s.importNotice(ctx, cur); err != nil {
		return Notice{}, err
	}
	n := &callvault.NoticeVersion{Version: cur.Version + 1, Text: text, Note: note, Author: string(actor), CreatedAt: s.now()}
	ev := s.event(ctx, actor, callvault.ActionNoticeEdit, "notice:"+strconv.Itoa(n.Version),
		map[string]any{"version": n.Version, "previous": cur.Version, "note": note, "characters": utf8.RuneCountInString(text)})
	if err := s.Notices.AddNoticeVersion(ctx, n, ev); err != nil {
		if callvault.IsKind(err, callvault.KindConflict) {
			return Notice{}, callvault.Errorf(callvault.KindConflict, "someone else saved the notice at the same time; read the current version and make your change again")
		}
		return Notice{}, err
	}
	s.after(ctx)
	saved := Notice{Version: n.Version, Text: n.Text}
	// Its author has read it: they confirmed it in the preview (a notice.acknowledge of its own).
	if p.Kind == callvault.PrincipalUser {
		if err := s.AcknowledgeNotice(ctx, p, saved.Version); err != nil && !callvault.IsKind(err, callvault.KindConflict) {
			return saved, err
		}
	}
	return saved, nil
}

// importNotice stores cur, the configured notice, when it is not stored yet (it is current and
// above every stored version), with a notice.import event. Another node importing it at the
// same time is not an error.
func (s *Service) importNotice(ctx context.Context, cur Notice) error {
	stored, err := s.storedNotice(ctx)
	if err != nil || stored != nil && stored.Version >= cur.Version {
		return err
	}
	n := &callvault.NoticeVersion{Version: cur.Version, Text: cur.Text, Note: "the configuration's notice", Author: "config", CreatedAt: s.now()}
	ev := s.event(ctx, callvault.ActorSystem, callvault.ActionNoticeImport, "notice:"+strconv.Itoa(n.Version),
		map[string]any{"version": n.Version, "characters": utf8.RuneCountInString(n.Text)})
	err = s.Notices.AddNoticeVersion(ctx, n, ev)
	s.forgetNotice()
	if callvault.IsKind(err, callvault.KindConflict) {
		return nil
	}
	if err == nil {
		s.after(ctx)
	}
	return err
}

// ImportConfigNotice keeps notice_file working next to the browser: when versions are stored
// and the configuration's notice_version is higher than all of them, the configured text is
// stored as that version (notice.import) and becomes current. While none is stored nothing is
// written: the configured notice is current as it is. serve calls it at start; it reports
// whether it stored a version.
func (s *Service) ImportConfigNotice(ctx context.Context) (bool, error) {
	if s.Notices == nil {
		return false, nil
	}
	s.forgetNotice()
	stored, err := s.storedNotice(ctx)
	cfg := s.configNotice()
	if err != nil || stored == nil || stored.Version >= cfg.Version {
		return false, err
	}
	return true, s.importNotice(ctx, cfg)
}

// normaliseNotice trims the text and gives it Unix line ends, so the same text typed in a
// browser (CRLF) and in a file compares equal.
func normaliseNotice(text string) string {
	return strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
}

// AcknowledgeNotice records that the user has read the given notice version. Errors:
// KindConflict if version is not the current one (the text has changed: read it again).
func (s *Service) AcknowledgeNotice(ctx context.Context, p *callvault.Principal, version int) error {
	n, err := s.CurrentNotice(ctx)
	if err != nil {
		return err
	}
	if version != n.Version {
		return callvault.Errorf(callvault.KindConflict, "the current notice is version %d; read it (GET /api/v1/notice) and acknowledge that version", n.Version)
	}
	_, err = s.update(ctx, p.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
		if u.NoticeVersion >= n.Version {
			return nil, nil
		}
		now := s.now()
		u.NoticeVersion, u.NoticeAckAt = n.Version, &now
		return s.event(ctx, u.Actor(), callvault.ActionNoticeAcknowledge, "user:"+u.ID, map[string]any{"version": n.Version}), nil
	})
	return err
}

// Unacknowledged returns the enabled users who have not acknowledged the current notice.
func (s *Service) Unacknowledged(ctx context.Context) ([]*callvault.User, error) {
	users, err := s.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.CurrentNotice(ctx)
	if err != nil {
		return nil, err
	}
	var out []*callvault.User
	for _, u := range users {
		if !u.Disabled() && u.NoticeVersion < n.Version {
			out = append(out, u)
		}
	}
	return out, nil
}

// NoticeMailer queues the staff notice for one person (the mail outbox): a message that names
// the notice's version and links to it, one per person, written with its own audit event by
// actor.
type NoticeMailer interface {
	MailNotice(ctx context.Context, actor callvault.Actor, version int, to *callvault.User) error
}

// NoticeSent is what SendNotice did: whom it mailed and whom it could not.
type NoticeSent struct {
	Version int      `json:"version"`
	Mailed  []string `json:"mailed"`   // names of the users a message was queued for
	NoEmail []string `json:"no_email"` // enabled users without an e-mail address: tell them another way
}

// SendNotice e-mails the current notice to all staff: one message per enabled user with an
// e-mail address, through s.Mailer, then an audit event (notice.send, by actor) with the
// counts. Disabled users are never mailed. Errors: KindUnavailable when no mailer is set;
// a failure part-way returns the error and leaves the messages queued before it queued (each
// was written with its own audit event), so sending again mails those people a second time.
func (s *Service) SendNotice(ctx context.Context, actor callvault.Actor) (*NoticeSent, error) {
	if s.Mailer == nil {
		return nil, callvault.Errorf(callvault.KindUnavailable, "this vault has no mail outbox to send the notice through")
	}
	users, err := s.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.CurrentNotice(ctx)
	if err != nil {
		return nil, err
	}
	out := &NoticeSent{Version: n.Version, Mailed: []string{}, NoEmail: []string{}}
	for _, u := range users {
		switch {
		case u.Disabled():
		case u.Email == "":
			out.NoEmail = append(out.NoEmail, u.Name)
		default:
			if err := s.Mailer.MailNotice(ctx, actor, n.Version, u); err != nil {
				return out, err
			}
			out.Mailed = append(out.Mailed, u.Name)
		}
	}
	return out, s.audit(ctx, s.event(ctx, actor, callvault.ActionNoticeSend, "notice:"+strconv.Itoa(n.Version),
		map[string]any{"version": n.Version, "mailed": len(out.Mailed), "without_email": len(out.NoEmail)}))
}
