package identity_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

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

// The configuration's notice is current until a version is stored; a save stores it first as
// the version it replaces; a save from a stale version, of the same text or of an empty text is
// refused and writes nothing; a configured notice_version above the stored ones is imported
// as a new version (ImportConfigNotice), one at or below them is not; without a store
// nothing can be saved.
func TestSaveNoticeAndConfigImport(t *testing.T) {
	ctx := context.Background()
	s, db, c := newService(t)
	op := &callvault.Principal{Kind: callvault.PrincipalToken, Actor: "cli:test"}
	if _, err := s.SaveNotice(ctx, op, identity.NoticeEdit{From: 1, Text: "x"}); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("without a notice store: %v, want unavailable", err)
	}
	s.Notices = db
	s.Notice = identity.Notice{Version: 3, Text: "From the file."}
	current := func() identity.Notice {
		t.Helper()
		n, err := s.CurrentNotice(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := current(); n.Version != 3 || n.Text != "From the file." {
		t.Fatalf("with none stored: %+v, want the configured notice", n)
	}
	if imported, err := s.ImportConfigNotice(ctx); imported || err != nil {
		t.Errorf("ImportConfigNotice with none stored: %v %v, want nothing written", imported, err)
	}
	for _, tt := range []struct {
		edit  identity.NoticeEdit
		kind  callvault.Kind
		field string
	}{
		{identity.NoticeEdit{From: 3, Text: "  \r\n "}, callvault.KindInvalid, "text"},
		{identity.NoticeEdit{From: 3, Text: "From the file.\r\n"}, callvault.KindInvalid, "text"},
		{identity.NoticeEdit{From: 3, Text: "ok", Note: strings.Repeat("n", callvault.MaxNoticeNoteLength+1)}, callvault.KindInvalid, "note"},
		{identity.NoticeEdit{From: 2, Text: "stale"}, callvault.KindConflict, ""},
	} {
		_, err := s.SaveNotice(ctx, op, tt.edit)
		if !callvault.IsKind(err, tt.kind) {
			t.Errorf("SaveNotice(%+v): %v, want %s", tt.edit, err, tt.kind)
		}
		if fe := callvault.FieldErrorsOf(err); tt.field != "" && (len(fe) != 1 || fe[0].Field != tt.field) {
			t.Errorf("SaveNotice(%+v): fields %v, want %s", tt.edit, fe, tt.field)
		}
	}
	if n := len(events(t, db)); n != 0 {
		t.Fatalf("%d events after refused saves, want 0", n)
	}

	saved, err := s.SaveNotice(ctx, op, identity.NoticeEdit{From: 3, Text: "Edited in the browser.\r\nSecond line.", Note: "clearer"})
	if err != nil || saved.Version != 4 || saved.Text != "Edited in the browser.\nSecond line." {
		t.Fatalf("SaveNotice: %+v %v, want version 4 with Unix line ends", saved, err)
	}
	vs, _ := s.NoticeVersions(ctx)
	if len(vs) != 2 || vs[0].Version != 4 || vs[0].Author != "cli:test" || vs[0].Note != "clearer" || vs[1].Version != 3 || vs[1].Author != "config" {
		t.Fatalf("versions after a save: %+v %+v", vs[0], vs[len(vs)-1])
	}
	evs := events(t, db)
	if count(evs, callvault.ActionNoticeImport) != 1 || count(evs, callvault.ActionNoticeEdit) != 1 || evs[len(evs)-1].Actor != "cli:test" {
		t.Errorf("events after a save: %d import, %d edit", count(evs, callvault.ActionNoticeImport), count(evs, callvault.ActionNoticeEdit))
	}
	if n := current(); n.Version != 4 {
		t.Errorf("current after a save: %d, want 4 at once on this node", n.Version)
	}

	// Another node's service over the same catalogue, whose configuration says version 3:
	// the stored version wins and nothing is imported.
	other := &identity.Service{Store: db, Notices: db, Now: c.now, Notice: identity.Notice{Version: 3, Text: "From the file."}}
	if imported, err := other.ImportConfigNotice(ctx); imported || err != nil {
		t.Errorf("ImportConfigNotice(3 below 4): %v %v", imported, err)
	}
	if n, _ := other.CurrentNotice(ctx); n.Version != 4 {
		t.Errorf("the other node's current: %d, want 4", n.Version)
	}
	// Raising notice_version above the stored versions replaces the notice from the file.
	other.Notice = identity.Notice{Version: 7, Text: "The file again."}
	if imported, err := other.ImportConfigNotice(ctx); !imported || err != nil {
		t.Fatalf("ImportConfigNotice(7 above 4): %v %v", imported, err)
	}
	c.add(3 * time.Second) // past s's cache
	if n := current(); n.Version != 7 || n.Text != "The file again." {
		t.Errorf("after the import: %+v, want version 7 from the file", n)
	}
	if n := count(events(t, db), callvault.ActionNoticeImport); n != 2 {
		t.Errorf("%d notice.import events, want 2", n)
	}
}
