package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRetentionPeriod: a Director changes the retention period in the browser (the
// settings page links the editor; a confirmation step says what the change does; the save
// lists the change). The editor, the confirmation and the list pass axe-core and are
// photographed.
func TestBrowserRetentionPeriod(t *testing.T) {
	b := startBrowser(t)
	v := startVault(t)
	v.bootstrap(t, "dan")
	api := v.signIn(t, "dan")
	api.enrolTOTP()

	dan := b.person()
	dan.signInWithCode(v, "dan", api.totp)
	dan.submit(`nav a[href="/admin"]`)
	dan.submit(`a[href="/admin/retention"]`)
	dan.wantText("Retention period", "Change the period", "has not been set here yet")
	dan.checkPage("admin-retention")

	dan.do(chromedp.SetValue(chromedp.CSS("#months"), "3"),
		chromedp.SendKeys(chromedp.CSS("#reason"), "board decision"))
	dan.submit(`form[action="/admin/retention/preview"] button`)
	dan.wantText("Check the change from 6 to 3 months", "stay held", "deleted for good at the next retention sweep")
	dan.checkPage("admin-retention-confirm")
	dan.submit(`form[action="/admin/retention"] button`)
	dan.wantText("The retention period is now 3 months", "board decision", "In force")
	dan.checkPage("admin-retention-changes")
}
