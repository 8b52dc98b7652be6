package main

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

const newNoticeText = "Calls on the clinic's lines are recorded.\nWe use recordings for training, complaints & quality."

// saveNoticeAs previews and then saves text as a new version of the notice from version from,
// as a browser on /admin/notice would, and returns the status and redirect of the save.
func saveNoticeAs(t *testing.T, c *client, from int, text, note string) (int, string, string) {
	t.Helper()
	form := url.Values{"from": {fmt.Sprint(from)}, "text": {text}, "note": {note}}
	st, _, page := postForm(t, c, "/admin/notice/preview", form)
	if st != 200 || !strings.Contains(page, fmt.Sprintf("Save version %d", from+1)) ||
		!strings.Contains(page, html.EscapeString(strings.Split(text, "\n")[0])) {
		t.Fatalf("preview: %d\n%.1500s", st, page)
	}
	return postForm(t, c, "/admin/notice", form)
}

// TestNoticeEditedInTheBrowser: a Director changes the recording notice in the browser (a
// preview first, which stores nothing); the save is a new version, audited with its author and
// note (the configured notice kept as the version it replaced) and acknowledged by its author
// who confirmed it; other staff are sent to /notice and
// must acknowledge the new version before anything else, the old version is refused; the
// public page shows the new text; a save from a stale version and a save of the same text are
// refused with messages on the form.
func TestNoticeEditedInTheBrowser(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "sam", "staff")
	dan := v.signIn(t, "dan")
	dan.enrolTOTP()
	sam := v.signIn(t, "sam")
	if st, _ := redirectOf(t, sam, "/"); st != 200 {
		t.Fatalf("sam before the change: %d, want the home page", st)
	}
	first := identity.DefaultNotice.Version

	page := get(t, dan, "/admin/notice")
	if !strings.Contains(page, html.EscapeString(identity.DefaultNotice.Text[:60])) || !strings.Contains(page, "has not been changed here yet") {
		t.Fatalf("the editor does not start from the built-in notice:\n%.2000s", page)
	}
	// A preview stores nothing.
	postForm(t, dan, "/admin/notice/preview", url.Values{"from": {fmt.Sprint(first)}, "text": {newNoticeText}})
	if n := countActions(v.events(t), callvault.ActionNoticeEdit); n != 0 {
		t.Fatalf("%d notice.edit events after a preview, want 0", n)
	}

	st, loc, page := saveNoticeAs(t, dan, first, newNoticeText, "adds quality")
	want := first + 1
	if st != 303 || loc != fmt.Sprintf("/admin/notice?saved=%d", want) {
		t.Fatalf("save: %d %q\n%.1500s", st, loc, page)
	}
	evs := v.events(t)
	var edit, imported *callvault.AuditEvent
	for _, e := range evs {
		switch e.Action {
		case callvault.ActionNoticeEdit:
			edit = e
		case callvault.ActionNoticeImport:
			imported = e
		}
	}
	if edit == nil || imported == nil || countActions(evs, callvault.ActionNoticeEdit) != 1 {
		t.Fatalf("after a save: edit %+v, import %+v; want one of each", edit, imported)
	}
	if edit.Object != fmt.Sprintf("notice:%d", want) || !strings.HasPrefix(edit.Actor, "user:") || !strings.Contains(edit.Detail, `"note":"adds quality"`) {
		t.Errorf("notice.edit event %+v", edit)
	}
	page = get(t, dan, loc)
	for _, s := range []string{fmt.Sprintf("Version %d is saved", want), "adds quality", "the configuration file", "<td>dan</td>", "Not yet acknowledged (1)", "Acknowledged (1)"} {
		if !strings.Contains(page, s) {
			t.Errorf("the editor after a save lacks %q:\n%.3000s", s, page)
		}
	}

	// Staff: the next request goes to the notice, and only the new version is accepted.
	if st, loc := redirectOf(t, sam, "/"); st != 303 || !strings.HasPrefix(loc, "/notice") {
		t.Fatalf("sam after the change: %d %q, want a redirect to /notice", st, loc)
	}
	if st, body := sam.call("GET", "/api/v1/access-requests", nil); st != 403 || problemType(body) != "notice_not_acknowledged" {
		t.Errorf("sam's API call after the change: %d %v, want notice_not_acknowledged", st, body)
	}
	if page := get(t, sam, "/notice"); !strings.Contains(page, html.EscapeString("complaints & quality")) || !strings.Contains(page, fmt.Sprintf(`name="version" value="%d"`, want)) {
		t.Fatalf("sam's /notice does not show version %d:\n%.2000s", want, page)
	}
	if st, _, _ := postForm(t, sam, "/notice", url.Values{"version": {fmt.Sprint(first)}}); st != 409 {
		t.Errorf("acknowledging the old version: %d, want 409", st)
	}
	if st, _, _ := postForm(t, sam, "/notice", url.Values{"version": {fmt.Sprint(want)}, "next": {"/"}}); st != 303 {
		t.Fatalf("acknowledging version %d: %d", want, st)
	}
	if st, _ := redirectOf(t, sam, "/"); st != 200 {
		t.Errorf("sam after acknowledging: %d, want the home page", st)
	}
	u, err := v.main.Catalogue.(callvault.UserStore).UserByName(context.Background(), "sam")
	if err != nil || u.NoticeVersion != want {
		t.Errorf("sam's acknowledged version %v (%v), want %d", u, err, want)
	}

	// The public page, without an account.
	if page := get(t, v.client(t), "/privacy/call-recording"); !strings.Contains(page, html.EscapeString("complaints & quality")) || !strings.Contains(page, fmt.Sprintf("Version %d", want)) {
		t.Errorf("the public page does not show version %d:\n%.1500s", want, page)
	}

	// A save from the old version, and a save of the same text, are refused on the form.
	st, _, page = postForm(t, dan, "/admin/notice", url.Values{"from": {fmt.Sprint(first)}, "text": {"Another text."}})
	if st != 409 || !strings.Contains(page, "changed while you edited it") || !strings.Contains(page, "Another text.") {
		t.Errorf("a stale save: %d\n%.2000s", st, page)
	}
	st, _, page = postForm(t, dan, "/admin/notice", url.Values{"from": {fmt.Sprint(want)}, "text": {newNoticeText + "\r\n"}})
	if st != 400 || !strings.Contains(page, fmt.Sprintf("is the same as version %d", want)) {
		t.Errorf("saving the same text: %d\n%.2000s", st, page)
	}
	if n := countActions(v.events(t), callvault.ActionNoticeEdit); n != 1 {
		t.Errorf("%d notice.edit events after two refused saves, want 1", n)
	}
}

// TestNoticeSeenByAnotherNode: two nodes on one PostgreSQL catalogue; a Director saves a new
// notice on the first, and the second asks its users for the new version once its short cache
// has expired (its clock moved past NoticeFresh), without a restart.
func TestNoticeSeenByAnotherNode(t *testing.T) {
	dbURL := pgtest.NewTestDatabase(t)
	a := startVault(t, "--db", dbURL)
	a.bootstrap(t, "dan")
	a.addUser(t, "sam", "staff")
	b := startVault(t, "--db", dbURL, "--keys", a.data+"/keys")
	dan := a.signIn(t, "dan")
	dan.enrolTOTP()
	sam := b.signIn(t, "sam")
	if st, _ := redirectOf(t, sam, "/"); st != 200 {
		t.Fatalf("sam on node b before the change: %d", st)
	}
	st, loc, page := saveNoticeAs(t, dan, identity.DefaultNotice.Version, newNoticeText, "")
	if st != 303 {
		t.Fatalf("save on node a: %d %q\n%.1500s", st, loc, page)
	}
	// Node b read the latest version (none stored) for sam's request above; within its
	// NoticeFresh it may still answer from that, past it it must read again.
	b.clock.add(3 * time.Second)
	if st, loc := redirectOf(t, sam, "/"); st != 303 || !strings.HasPrefix(loc, "/notice") {
		t.Fatalf("sam on node b after the change: %d %q, want a redirect to /notice", st, loc)
	}
	if page := get(t, b.client(t), "/privacy/call-recording"); !strings.Contains(page, html.EscapeString("complaints & quality")) {
		t.Errorf("node b's public page does not show the new notice:\n%.1500s", page)
	}
}
