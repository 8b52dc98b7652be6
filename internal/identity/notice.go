package identity

import (
	"context"
	"strconv"

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

func (s *Service) notice() Notice {
	if s.Notice.Version <= 0 {
		return DefaultNotice
	}
	return s.Notice
}

// CurrentNotice returns the notice users must acknowledge.
func (s *Service) CurrentNotice() Notice { return s.notice() }

// AcknowledgeNotice records that the user has read the given notice version. Errors:
// KindConflict if version is not the current one (the text has changed: read it again).
func (s *Service) AcknowledgeNotice(ctx context.Context, p *callvault.Principal, version int) error {
	n := s.notice()
	if version != n.Version {
		return callvault.Errorf(callvault.KindConflict, "the current notice is version %d; read it (GET /api/v1/notice) and acknowledge that version", n.Version)
	}
	_, err := s.update(ctx, p.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
		if u.NoticeVersion == n.Version {
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
	var out []*callvault.User
	for _, u := range users {
		if !u.Disabled() && u.NoticeVersion < s.notice().Version {
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
	n := s.notice()
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
