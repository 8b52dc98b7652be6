package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/retention"
)

// setRetention previews and then saves months as the retention period, as a browser on
// /admin/retention would, checking the confirmation step says what the change does; it returns
// the status and redirect of the save.
func setRetention(t *testing.T, c *client, from, months int, reason string, moved int) (int, string, string) {
	t.Helper()
	form := url.Values{"from": {fmt.Sprint(from)}, "months": {fmt.Sprint(months)}, "reason": {reason}}
	st, _, page := postForm(t, c, "/admin/retention/preview", form)
	count := fmt.Sprintf("%d recordings get a new deletion date", moved)
	if moved == 1 {
		count = "1 recording gets a new deletion date"
	}
	want := []string{fmt.Sprintf("Keep recordings for %d months", months), count, "kept by a hold stay held"}
	if months < from {
		want = append(want, "deleted for good at the next retention sweep")
	}
	for _, s := range want {
		if st != 200 || !strings.Contains(page, s) {
			t.Fatalf("preview: %d, want %q\n%.3000s", st, s, page)
		}
	}
	return postForm(t, c, "/admin/retention", form)
}

// TestRetentionPeriodSetInTheBrowser: a Director shortens the retention period from the
// configuration's 6 months to 3 on /admin/retention (a confirmation step first, which stores
// nothing; bad input is refused on the form; the DPO may not); the change is audited with the
// old and new months, who and why. Once every node's cache has expired, the retention job gives
// each recording its new deletion date and re-wraps its header to that month's key epoch (the
// audio still opens); the same sweep deletes the recordings now past retention except the held
// one; a recording arriving now is kept 3 months; serve warns that the config is overridden;
// audit verify passes.
func TestRetentionPeriodSetInTheBrowser(t *testing.T) {
	ctx := context.Background()
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dee", "dpo")
	dan := v.signIn(t, "dan")
	dan.enrolTOTP()
	dee := v.signIn(t, "dee")
	dee.enrolTOTP()
	m := v.main
	now := v.clock.now()

	expiring := ingestN(t, m, 1, "old", now.AddDate(0, -4, -1))[0]
	held := ingestN(t, m, 1, "held", now.AddDate(0, -4, -1))[0]
	recent := ingestN(t, m, 1, "recent", now.AddDate(0, -1, 0))[0]
	holds, err := m.holdService()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: held, Reason: "claim", ReviewAt: now.AddDate(1, 0, 0), Actor: "dpo"}); err != nil {
		t.Fatal(err)
	}
	runJob(t, m, retention.LeaseName) // the dates follow 6 months: nothing to delete
	before := map[string]*callvault.Recording{}
	for _, id := range []string{expiring, held, recent} {
		r, err := m.Catalogue.Recording(ctx, id)
		if err != nil {
			t.Fatalf("recording %s before the change: %v", id, err)
		}
		before[id] = r
	}

	if page := get(t, dan, "/admin/retention"); !strings.Contains(page, "<strong>6 months</strong>") || !strings.Contains(page, "has not been set here yet") {
		t.Fatalf("the page does not start from the configuration's 6 months:\n%.2500s", page)
	}
	if st, _, _ := postForm(t, dee, "/admin/retention", url.Values{"from": {"6"}, "months": {"3"}, "reason": {"dpo"}}); st != 403 {
		t.Errorf("the DPO sets the period: %d, want 403", st)
	}
	for _, bad := range []struct{ months, reason, want string }{
		{"three", "board", "whole number"}, {"0", "board", "from 1 to 120"}, {"121", "board", "from 1 to 120"},
		{"3", " ", "The reason is required"}, {"6", "board", "in force already"},
	} {
		st, _, page := postForm(t, dan, "/admin/retention/preview", url.Values{"from": {"6"}, "months": {bad.months}, "reason": {bad.reason}})
		if st != 400 || !strings.Contains(page, bad.want) {
			t.Errorf("preview of %q months, reason %q: %d, want 400 with %q\n%.2000s", bad.months, bad.reason, st, bad.want, page)
		}
	}
	if n := countActions(v.events(t), callvault.ActionRetentionSet); n != 0 {
		t.Fatalf("%d retention.set events after previews and refusals, want 0", n)
	}

	st, loc, page := setRetention(t, dan, 6, 3, "board decision of March", 3)
	if st != 303 || loc != "/admin/retention?saved=3" {
		t.Fatalf("save: %d %q\n%.2000s", st, loc, page)
	}
	var set *callvault.AuditEvent
	for _, e := range v.events(t) {
		if e.Action == callvault.ActionRetentionSet {
			set = e
		}
	}
	var detail struct {
		Old    int    `json:"old_months"`
		New    int    `json:"new_months"`
		Reason string `json:"reason"`
	}
	if set == nil || json.Unmarshal([]byte(set.Detail), &detail) != nil || detail.Old != 6 || detail.New != 3 ||
		detail.Reason != "board decision of March" || !strings.HasPrefix(set.Actor, "user:") {
		t.Fatalf("retention.set event %+v", set)
	}
	if page := get(t, dan, loc); !strings.Contains(page, "now 3 months") || !strings.Contains(page, "board decision of March") || !strings.Contains(page, "<td>dan</td>") {
		t.Errorf("the page after the save:\n%.3000s", page)
	}
	if page := get(t, dee, "/admin"); !strings.Contains(page, "3 months after the call") || !strings.Contains(page, "set in the browser by a Director") {
		t.Errorf("the settings page does not show the stored period:\n%.3000s", page)
	}
	if st, _, page := postForm(t, dan, "/admin/retention", url.Values{"from": {"6"}, "months": {"4"}, "reason": {"stale"}}); st != 409 || !strings.Contains(page, "changed while you edited it") {
		t.Errorf("a save from the old period: %d\n%.2000s", st, page)
	}

	// Within the settle time the job leaves the dates alone: another node may still ingest
	// with the old period.
	runJob(t, m, retention.LeaseName)
	if !v.live(t, expiring) {
		t.Fatal("a recording was deleted before every node followed the new period")
	}
	v.clock.add(retention.SettleTime + time.Second)
	runJob(t, m, retention.LeaseName)

	if v.live(t, expiring) {
		t.Errorf("recording %s, now past 3 months and not held, survived the sweep", expiring)
	}
	if !v.live(t, held) {
		t.Errorf("the held recording was deleted")
	}
	for _, id := range []string{held, recent} {
		r, err := m.Catalogue.Recording(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := callvault.RetentionEnd(r.StartedAt, 3, nil)
		if !r.RetainUntil.Equal(want) {
			t.Errorf("recording %s retained until %s, want %s (3 months)", id, r.RetainUntil, want)
		}
		if err := openMatches(t, m, id); err != nil {
			t.Errorf("recording %s after the change: %v", id, err)
		}
	}
	if r, _ := m.Catalogue.Recording(ctx, recent); r.KeyEpoch == before[recent].KeyEpoch || r.KeyEpoch != callvault.EpochFor(r.RetainUntil, v.clock.now()) {
		t.Errorf("recent recording sealed to %s (was %s), want the epoch of its new retention end %s", r.KeyEpoch, before[recent].KeyEpoch, r.RetainUntil)
	}
	if r, _ := m.Catalogue.Recording(ctx, held); r.KeyEpoch != callvault.HoldEpoch {
		t.Errorf("held recording moved to %s, want it on the hold key", r.KeyEpoch)
	}
	if applied, target, _, err := m.Catalogue.(callvault.RetentionStore).RecomputeState(ctx); err != nil || applied != 3 || target != 3 {
		t.Errorf("recompute state %d %d %v, want 3 applied", applied, target, err)
	}
	fresh := ingestN(t, m, 1, "fresh", v.clock.now())[0]
	if r, _ := m.Catalogue.Recording(ctx, fresh); !r.RetainUntil.Equal(callvault.RetentionEnd(r.StartedAt, 3, nil)) {
		t.Errorf("a recording arriving after the change is retained until %s, want 3 months", r.RetainUntil)
	}

	if err := m.warnRetentionOverride(ctx); err != nil || !strings.Contains(v.log.String(), "retention_months of the configuration is ignored") {
		t.Errorf("serve's check of the config against the stored period: %v; log lacks the warning", err)
	}
	if code, out, errOut := cli(t, append([]string{"audit", "verify"}, v.stores...)...); code != 0 {
		t.Fatalf("audit verify: %d %s %s", code, out, errOut)
	}
}

// TestRetentionPeriodSeenByAnotherNode: two nodes on one PostgreSQL catalogue; a Director sets
// the period on the first, and the second ingests with it once its short cache has expired,
// without a restart, and reports it in its compliance status.
func TestRetentionPeriodSeenByAnotherNode(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewTestDatabase(t)
	a := startVault(t, "--db", dbURL)
	a.bootstrap(t, "dan")
	b := startVault(t, "--db", dbURL, "--keys", a.data+"/keys")
	dan := a.signIn(t, "dan")
	dan.enrolTOTP()

	first := ingestN(t, b.main, 1, "before", b.clock.now())[0] // b reads (and caches) the period
	if r, _ := b.main.Catalogue.Recording(ctx, first); !r.RetainUntil.Equal(callvault.RetentionEnd(r.StartedAt, 6, nil)) {
		t.Fatalf("before the change node b retains until %s, want 6 months", r.RetainUntil)
	}
	if st, loc, page := setRetention(t, dan, 6, 9, "longer claims window", 1); st != 303 {
		t.Fatalf("save on node a: %d %q\n%.1500s", st, loc, page)
	}
	b.clock.add(callvault.RetentionSettingFreshness)
	id := ingestN(t, b.main, 1, "after", b.clock.now())[0]
	r, err := b.main.Catalogue.Recording(ctx, id)
	if err != nil || !r.RetainUntil.Equal(callvault.RetentionEnd(r.StartedAt, 9, nil)) {
		t.Fatalf("after the change node b retains until %v (%v), want 9 months", r, err)
	}
	if r.KeyEpoch != callvault.EpochFor(r.RetainUntil, b.clock.now()) {
		t.Errorf("node b sealed to %s, want the epoch of its retention end", r.KeyEpoch)
	}
	rd, err := b.main.retentionStatus()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := rd.Read(ctx); err != nil || st.RetentionMonths != 9 {
		t.Errorf("node b's compliance status: %+v %v, want 9 months", st, err)
	}
}
