package identity_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

// recordingMailer remembers whom it was asked to mail, and fails once told to.
type recordingMailer struct {
	to     []string
	failAt int
}

func (m *recordingMailer) MailNotice(ctx context.Context, actor callvault.Actor, version int, to *callvault.User) error {
	if m.failAt > 0 && len(m.to)+1 == m.failAt {
		return errors.New("outbox down")
	}
	m.to = append(m.to, fmt.Sprintf("%s/%d/%s", to.Name, version, actor))
	return nil
}

// SendNotice mails every enabled user with an address, once each; it names those without one,
// skips disabled users, audits the sending by its actor and refuses without a mailer.
func TestSendNotice(t *testing.T) {
	ctx := context.Background()
	s, db, _ := newService(t)
	if _, err := s.SendNotice(ctx, "user:dan"); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("without a mailer: %v, want unavailable", err)
	}
	for _, u := range []struct{ name, email string }{{"ann", "ann@example.org"}, {"bob", ""}, {"cat", "cat@example.org"}, {"dis", "dis@example.org"}} {
		if _, _, err := s.AddUser(ctx, callvault.Operator("cli:test"), identity.NewUser{Name: u.name, Email: u.email, Roles: []callvault.Role{callvault.RoleStaff}, Password: goodPassword}); err != nil {
			t.Fatal(err)
		}
	}
	dis, _ := db.UserByName(ctx, "dis")
	if _, err := s.SetDisabled(ctx, callvault.Operator("cli:test"), dis.ID, true); err != nil {
		t.Fatal(err)
	}
	m := &recordingMailer{}
	s.Mailer = m
	sent, err := s.SendNotice(ctx, "user:dan")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(m.to) != "[ann/1/user:dan cat/1/user:dan]" || fmt.Sprint(sent.Mailed) != "[ann cat]" || fmt.Sprint(sent.NoEmail) != "[bob]" || sent.Version != 1 {
		t.Errorf("mailed %v, result %+v", m.to, sent)
	}
	evs := events(t, db)
	last := evs[len(evs)-1]
	if last.Action != callvault.ActionNoticeSend || last.Actor != "user:dan" || fmt.Sprint(last.Detail) == "" {
		t.Errorf("last event %+v, want notice.send by user:dan", last)
	}

	// A failing outbox stops the sending with its error and no notice.send event.
	s.Mailer = &recordingMailer{failAt: 2}
	if _, err := s.SendNotice(ctx, "user:dan"); err == nil {
		t.Error("a failing mailer: no error")
	}
	if n := count(events(t, db), callvault.ActionNoticeSend); n != 1 {
		t.Errorf("%d notice.send events after a failure, want 1", n)
	}
}
