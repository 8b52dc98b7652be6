package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserNoticeEditor: a Director changes the recording notice in the browser (the editor,
// then a preview that says what saving does, then the save); a member of staff who signs in
// afterwards is shown the new text and acknowledges it before reaching the home page; the
// public page shows it. The editor and the preview pass axe-core and are photographed.
func TestBrowserNoticeEditor(t *testing.T) {
	b := startBrowser(t)
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "sam", "staff")
	api := v.signIn(t, "dan")
	api.enrolTOTP()
	v.signIn(t, "sam") // sam acknowledged version 1

	dan := b.person()
	dan.signInWithCode(v, "dan", api.totp)
	dan.submit(`nav a[href="/admin"]`)
	dan.submit(`a[href="/admin/notice"]`)
	dan.wantText("Recording notice", "Change the notice", "Who has acknowledged version 1", "has not been changed here yet")
	dan.checkPage("admin-notice")

	dan.do(chromedp.SetValue(chromedp.CSS("#text"), "Calls are recorded.\nWe keep recordings for six months."),
		chromedp.SendKeys(chromedp.CSS("#note"), "names the retention period"))
	dan.submit(`form[action="/admin/notice/preview"] button`)
	dan.wantText("Check version 2 before you save it", "We keep recordings for six months.", "must then read and acknowledge version 2")
	dan.checkPage("admin-notice-preview")
	dan.submit(`form[action="/admin/notice"] button`)
	dan.wantText("Version 2 is saved", "names the retention period", "Acknowledged (1)", "Not yet acknowledged (1)")
	dan.checkPage("admin-notice-versions")

	sam := b.person()
	sam.open(v.url + "/login")
	sam.signIn("sam", "")
	sam.wantText("Calls are recorded", "We keep recordings for six months.", "Notice version 2")
	sam.submit(`form[action="/notice"] button`)
	sam.wantText("Hello, sam")

	anon := b.person()
	anon.open(v.url + "/privacy/call-recording")
	anon.wantText("We keep recordings for six months.", "Version 2")
}
