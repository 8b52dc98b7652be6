package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/bundle"
	"github.com/callvault/callvault/internal/cases/sarclock"
	"github.com/callvault/callvault/internal/mailtest"
	"github.com/callvault/callvault/internal/ukcal"
	"github.com/callvault/callvault/internal/vault"
)

// addMailUser adds a user with an e-mail address through the CLI.
func (v *pvault) addMailUser(t *testing.T, name, email string, roles ...string) {
	t.Helper()
	args := append([]string{"users", "add", name, "--password-stdin", "--email", email}, v.stores...)
	for _, r := range roles {
		args = append(args, "--role", r)
	}
	var o, e bytes.Buffer
	if code := run(context.Background(), args, strings.NewReader(pw+"\n"), &o, &e, testEnv(&o, &e).getenv); code != 0 {
		t.Fatalf("users add %s: exit %d: %s", name, code, e.String())
	}
}

// problemText returns a problem document as text, to look for the fields it names.
func problemText(out map[string]any) string {
	b, _ := json.Marshal(out)
	return string(b)
}

// foundIDs returns the IDs of a search answer's recordings, sorted.
func foundIDs(t *testing.T, out map[string]any) []string {
	t.Helper()
	recs, ok := out["recordings"].([]any)
	if !ok {
		t.Fatalf("search answer without recordings: %v", out)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	slices.Sort(ids)
	return ids
}

// caseRefs returns the references of a desk list.
func caseRefs(out map[string]any) []string {
	var refs []string
	list, _ := out["cases"].([]any)
	for _, c := range list {
		refs = append(refs, c.(map[string]any)["reference"].(string))
	}
	return refs
}

// The whole subject access flow over HTTP: the DPO opens a case (and is e-mailed at once, with
// the reference and a link only), searches one number written five ways and gets the same
// three calls each time, includes two with reasons (a recording no search found is refused),
// sees it on the desk as due and then overdue, closes it; a Director sees complaints, never the
// SAR; every step is audited and the audit log verifies.
func TestSubjectAccessCaseEndToEnd(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	v := startVault(t, "--smtp", "smtp://"+mp.SMTPAddr+"?from=callvault@vault.example.org",
		"--public-url", "https://vault.example.org", "--holiday-region", "scotland")
	v.bootstrap(t, "dan")
	v.addMailUser(t, "dora", "dora@example.org", "dpo")
	v.addMailUser(t, "max", "max@example.org", "director")
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	ingest := func(sourceID, start string, extra map[string]any) string {
		extra["started_at"] = start
		extra["ended_at"] = nil
		body, ct := multipartBody(part{name: "metadata", contentType: "application/json", body: metaJSON(sourceID, extra)},
			part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
		r := upload(t, v.url, token, body, ct)
		if r.status != 201 {
			t.Fatalf("upload %s: %d %s", sourceID, r.status, r.raw)
		}
		return r.body["id"].(string)
	}
	// Three calls of the subject's number, in the forms PBXs report it; one of someone else.
	var subject []string
	subject = append(subject, ingest("s1", "2026-10-01T09:00:00Z", map[string]any{}))
	subject = append(subject, ingest("s2", "2026-10-02T09:00:00Z", map[string]any{"external_number": "+447700900123",
		"parties": []map[string]string{{"name": "J Doe", "number": "+44 7700 900123", "role": "caller"}}}))
	subject = append(subject, ingest("s3", "2026-10-03T09:00:00Z", map[string]any{"external_number": "00447700900123",
		"parties": []map[string]string{{"name": "Reception", "number": "07700-900-123", "uri": "sip:+447700900123@pbx.example.org", "role": "caller"}}}))
	other := ingest("o1", "2026-10-04T09:00:00Z", map[string]any{"external_number": "07700 900456",
		"parties": []map[string]string{{"name": "Bob Roe", "number": "07700900456", "role": "caller"}}})
	slices.Sort(subject)

	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	max := v.signIn(t, "max")
	max.enrolTOTP()

	received := v.clock.now().Add(-24 * time.Hour).In(callvault.DefaultZone())
	receivedDay := ukcal.FromTime(received, callvault.DefaultZone())
	wantDue, err := sarclock.DueDate(ukcal.Scotland, receivedDay)
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]any{"type": "subject_access", "received_at": receivedDay.String(),
		"subjects": map[string]any{"numbers": []string{"07700 900123"}, "names": []string{"Jane Doe"}}}
	if st, out := max.call("POST", "/api/v1/cases", open); st != 403 {
		t.Errorf("a Director opened a SAR: %d %v", st, out)
	}
	st, out := dora.call("POST", "/api/v1/cases", open)
	if st != 201 {
		t.Fatalf("open: %d %v", st, out)
	}
	id, ref := out["id"].(string), out["reference"].(string)
	if !regexp.MustCompile(`^SAR-\d{4}-0001$`).MatchString(ref) || out["due_date"] != wantDue.String() || out["region"] != "scotland" {
		t.Errorf("opened %v; want reference SAR-YYYY-0001 and due_date %s", out, wantDue)
	}
	if st, out := dora.call("POST", "/api/v1/cases", map[string]any{"type": "subject_access", "received_at": "yesterday"}); st != 400 || !strings.Contains(problemText(out), "received_at") {
		t.Errorf("a bad received_at: %d %v", st, out)
	}

	// The DPO is told at once, in writing: the reference and a link, nothing of the subject.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := mp.WaitMessages(ctx, 1); err != nil {
		t.Fatal(err)
	}
	msgs, err := mp.Messages(ctx)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %d, %v", len(msgs), err)
	}
	msg, err := mp.Message(ctx, msgs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if rcpt := msg.Recipients(); len(rcpt) != 1 || rcpt[0] != "dora@example.org" {
		t.Errorf("case mail went to %v, want the DPO only", rcpt)
	}
	if !strings.Contains(msg.Subject+msg.Text, ref) || !strings.Contains(msg.Text, "https://vault.example.org/cases/"+id) {
		t.Errorf("case mail lacks the reference or the link:\n%s\n%s", msg.Subject, msg.Text)
	}
	for _, leak := range []string{"07700", "900123", "Jane"} {
		if strings.Contains(msg.Subject+msg.Text, leak) {
			t.Errorf("case mail holds %q", leak)
		}
	}

	// One number, five ways: the same three calls each time.
	for _, n := range []string{"07700 900123", "+44 7700 900123", "00447700900123", "tel:+44-7700-900123", "sip:+447700900123@pbx.example.org"} {
		st, out := dora.call("POST", "/api/v1/cases/"+id+"/search", map[string]any{"numbers": []string{n}})
		if st != 200 {
			t.Fatalf("search %q: %d %v", n, st, out)
		}
		if got := foundIDs(t, out); !slices.Equal(got, subject) {
			t.Errorf("search %q found %v, want %v", n, got, subject)
		}
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/search", map[string]any{"numbers": []string{"not a number"}}); st != 400 {
		t.Errorf("search of a non-number: %d %v", st, out)
	}
	// The case's own subjects (number or name), by default.
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/search", map[string]any{}); st != 200 || !slices.Equal(foundIDs(t, out), subject) {
		t.Errorf("search by the case's subjects: %d %v", st, out)
	}

	include := func(rid string, in bool, reason string) (int, map[string]any) {
		return dora.call("POST", "/api/v1/cases/"+id+"/recordings", map[string]any{"recording_id": rid, "include": in, "reason": reason})
	}
	if st, out := include(other, true, "curious"); st != 400 {
		t.Errorf("including a recording no search found: %d %v", st, out)
	}
	if st, out := include(subject[0], true, " "); st != 400 {
		t.Errorf("including without a reason: %d %v", st, out)
	}
	for _, rid := range subject[:2] {
		if st, out := include(rid, true, "the requester speaks on this call"); st != 200 {
			t.Fatalf("include %s: %d %v", rid, st, out)
		}
	}
	if st, out := include(subject[2], false, "a third party's call; the requester is only named"); st != 200 {
		t.Fatalf("exclude: %d %v", st, out)
	}
	// While the case is open its included recordings are on legal hold (and only those): a
	// deletion by hand is refused.
	holds := func() []string {
		t.Helper()
		hs, err := v.main.Catalogue.(callvault.HoldStore).Holds(context.Background(), callvault.HoldFilter{ActiveOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hs {
			if h.CaseID == id {
				ids = append(ids, h.RecordingID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	held := slices.Clone(subject[:2])
	slices.Sort(held)
	if got := holds(); !slices.Equal(got, held) {
		t.Errorf("the case holds %v, want its two included recordings %v", got, held)
	}
	if err := v.main.Catalogue.DeleteRecording(context.Background(), subject[0], &callvault.AuditEvent{Time: time.Now(), Actor: "test",
		Action: callvault.ActionRecordingDelete, Object: "recording:" + subject[0]}); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("deleting an included recording: %v, want a conflict naming the hold", err)
	}

	// The disclosure bundle: a signed zip of the two included recordings, checked offline.
	resp := dora.do("POST", "/api/v1/cases/"+id+"/bundle", nil, nil)
	zipBytes, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("bundle: %d %s %v: %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), err, zipBytes)
	}
	checkBundle(t, zipBytes, filepath.Join(v.main.Config.KeysDir(), vault.VerifyKeyFile), subject[:2], wav)
	if st, _ := max.call("POST", "/api/v1/cases/"+id+"/bundle", map[string]any{}); st != 404 {
		t.Errorf("a Director bundles the SAR: %d", st)
	}

	// A listening link for the requester plays an included recording.
	st, out = dora.call("POST", "/api/v1/cases/"+id+"/links", map[string]any{"max_plays": 3})
	if st != 201 {
		t.Fatalf("issue a link: %d %v", st, out)
	}
	requester := &listener{t: t, base: v.url, c: v.client(t).http}
	linkPath := strings.TrimPrefix(out["url"].(string), "https://vault.example.org")
	if st, b := requester.get(linkPath+"/"+subject[0], nil); st != 200 || !bytes.Equal(b, wav) {
		t.Errorf("the link plays: %d, %d bytes", st, len(b))
	}

	// The desk: due now, overdue after the due date; a Director sees complaints only.
	if st, out := max.call("POST", "/api/v1/cases", map[string]any{"type": "complaint", "received_at": receivedDay.String()}); st != 201 {
		t.Fatalf("a Director opens a complaint: %d %v", st, out)
	}
	if _, out := dora.call("GET", "/api/v1/cases?due=due", nil); !slices.Contains(caseRefs(out), ref) {
		t.Errorf("the SAR is not due on the desk: %v", out)
	}
	if _, out := dora.call("GET", "/api/v1/cases?due=overdue", nil); len(caseRefs(out)) != 0 {
		t.Errorf("overdue before the due date: %v", out)
	}
	if st, out := dora.call("GET", "/api/v1/cases?due=soon", nil); st != 400 {
		t.Errorf("an unknown filter: %d %v", st, out)
	}
	if _, out := max.call("GET", "/api/v1/cases", nil); len(caseRefs(out)) != 1 || !strings.HasPrefix(caseRefs(out)[0], "CMP-") {
		t.Errorf("a Director's desk: %v", caseRefs(out))
	}
	if st, _ := max.call("GET", "/api/v1/cases/"+id, nil); st != 404 {
		t.Errorf("a Director reads the SAR: %d", st)
	}
	v.clock.add(time.Duration(wantDue.DaysSince(receivedDay)+1) * 24 * time.Hour)
	dora.login("dora") // the session ended meanwhile
	if _, out := dora.call("GET", "/api/v1/cases?due=overdue", nil); !slices.Contains(caseRefs(out), ref) {
		t.Errorf("the SAR is not overdue after its due date: %v", out)
	}

	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/close", map[string]any{}); st != 400 {
		t.Errorf("closing without an outcome: %d %v", st, out)
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/close", map[string]any{"outcome": "two recordings sent to the requester"}); st != 200 || out["status"] != "closed" {
		t.Fatalf("close: %d %v", st, out)
	}
	if st, out := include(subject[2], true, "changed my mind"); st != 409 {
		t.Errorf("a decision after closing: %d %v", st, out)
	}
	if got := holds(); len(got) != 0 {
		t.Errorf("the closed case still holds %v", got)
	}
	st, out = dora.call("GET", "/api/v1/cases/"+id, nil)
	if st != 200 {
		t.Fatalf("read the case: %d %v", st, out)
	}
	if n := len(out["searches"].([]any)); n != 6 {
		t.Errorf("the case keeps %d searches, want 6", n)
	}
	var included []string
	for _, d := range out["recordings"].([]any) {
		if d := d.(map[string]any); d["include"] == true {
			included = append(included, d["recording_id"].(string))
		}
	}
	slices.Sort(included)
	if !slices.Equal(included, subject[:2]) {
		t.Errorf("included %v, want %v", included, subject[:2])
	}

	evs := v.events(t)
	for action, want := range map[string]int{callvault.ActionCaseOpen: 2, callvault.ActionCaseSearch: 6,
		callvault.ActionCaseInclude: 2, callvault.ActionCaseExclude: 1, callvault.ActionCaseClose: 1,
		callvault.ActionCaseExport: 1, callvault.ActionCaseDisclose: 2, callvault.ActionCaseLinkIssue: 1, callvault.ActionCaseLinkPlay: 1} {
		if n := countActions(evs, action); n != want {
			t.Errorf("%d %s events, want %d", n, action, want)
		}
	}
	for _, e := range evs {
		if strings.HasPrefix(e.Action, "case.") && strings.Contains(string(e.Detail), "900123") {
			t.Errorf("audit event %s holds the subject's number: %s", e.Action, e.Detail)
		}
	}
	v.server.stop()
	if code, out, e := cli(t, append([]string{"audit", "verify"}, v.stores...)...); code != 0 {
		t.Errorf("audit verify = %d\n%s%s", code, out, e)
	}
}

// checkBundle verifies a disclosure bundle with the CLI in a directory with no vault: it holds
// exactly the included recordings' audio (as stored) and metadata and a chain of custody with
// audit sequence numbers; it verifies against the vault's key, and a changed byte, a removed or
// added file, or another vault's key make it fail, naming the file or the key.
func checkBundle(t *testing.T, zipBytes []byte, keyFile string, included []string, wav []byte) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pub := write("audit-signing.pub", key)
	fresh := write("fresh.zip", zipBytes)
	if code, out, e := cli(t, "bundle", "verify", fresh, "--verify-key", pub); code != 0 || !strings.Contains(out, "the trusted key") {
		t.Fatalf("bundle verify of a fresh bundle = %d\n%s%s", code, out, e)
	}
	zr, err := zip.NewReader(bytesReader(zipBytes), int64(len(zipBytes)))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		rc, _ := f.Open()
		entries[f.Name], _ = io.ReadAll(rc)
		rc.Close()
		names = append(names, f.Name)
	}
	want := []string{"case.json", "custody.json", "manifest.json", "manifest.sig"}
	for _, id := range included {
		want = append(want, "recordings/"+id+".json", "recordings/"+id+".wav")
	}
	slices.Sort(want)
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Fatalf("bundle files %v, want %v", names, want)
	}
	if wavOf := entries["recordings/"+included[0]+".wav"]; !bytes.Equal(wavOf, wav) {
		t.Errorf("the bundle's audio is not the recording as stored (%d bytes, want %d)", len(wavOf), len(wav))
	}
	var custody []struct {
		Seq    int64  `json:"audit_seq"`
		Action string `json:"action"`
		Actor  string `json:"actor"`
	}
	if err := json.Unmarshal(entries["custody.json"], &custody); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i, c := range custody {
		if c.Seq == 0 || (i > 0 && c.Seq <= custody[i-1].Seq) || c.Actor == "" {
			t.Errorf("custody step %d: %+v", i, c)
		}
		actions = append(actions, c.Action)
	}
	for _, a := range []string{callvault.ActionCaseOpen, callvault.ActionCaseSearch, callvault.ActionCaseInclude, callvault.ActionCaseExport, callvault.ActionCaseDisclose} {
		if !slices.Contains(actions, a) {
			t.Errorf("the chain of custody lacks %s: %v", a, actions)
		}
	}

	rezip := func(name string, edit func(map[string][]byte)) string {
		m := map[string][]byte{}
		for k, v := range entries {
			m[k] = bytes.Clone(v)
		}
		edit(m)
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, k := range names {
			if b, ok := m[k]; ok {
				w, _ := zw.Create(k)
				w.Write(b)
			}
		}
		for k, b := range m {
			if !slices.Contains(names, k) {
				w, _ := zw.Create(k)
				w.Write(b)
			}
		}
		zw.Close()
		return write(name, buf.Bytes())
	}
	audio := "recordings/" + included[1] + ".wav"
	meta := "recordings/" + included[0] + ".json"
	for _, c := range []struct {
		file, names string
		args        []string
	}{
		{rezip("changed.zip", func(m map[string][]byte) { m[audio][100] ^= 1 }), "changed: " + audio, nil},
		{rezip("removed.zip", func(m map[string][]byte) { delete(m, meta) }), "missing: " + meta, nil},
		{rezip("added.zip", func(m map[string][]byte) { m["recordings/extra.wav"] = []byte("x") }), "added: recordings/extra.wav", nil},
		{write("other-key.pub", otherVerifyKey(t)), "not the trusted key", []string{fresh}},
	} {
		args := []string{"bundle", "verify", c.file, "--verify-key", pub}
		if c.args != nil {
			args = []string{"bundle", "verify", c.args[0], "--verify-key", c.file}
		}
		if code, out, e := cli(t, args...); code != 1 || !strings.Contains(out, c.names) {
			t.Errorf("bundle verify %v = %d, want 1 naming %q:\n%s%s", args, code, c.names, out, e)
		}
	}

	// A bundle re-signed by another key (its manifest naming that key) checks only against
	// itself: with no vault here, `bundle verify FILE` says the key was not checked; beside the
	// vault (its key in ./callvault-data/keys) it trusts the vault's key and fails.
	otherPub, otherPriv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	resigned := rezip("resigned.zip", func(m map[string][]byte) {
		var man map[string]any
		if err := json.Unmarshal(m["manifest.json"], &man); err != nil {
			t.Fatal(err)
		}
		man["public_key"], man["key_id"] = base64.StdEncoding.EncodeToString(otherPub), bundle.KeyID(otherPub)
		m["manifest.json"], _ = json.Marshal(man)
		m["manifest.sig"] = []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(otherPriv, m["manifest.json"])) + "\n")
	})
	if code, out, e := cli(t, "bundle", "verify", resigned); code != 0 || !strings.Contains(out, "not checked against a trusted key") {
		t.Errorf("bundle verify of a re-signed bundle with no vault here = %d, want 0 saying the key was not checked:\n%s%s", code, out, e)
	}
	if err := os.MkdirAll(filepath.Join(dir, "callvault-data", "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join("callvault-data", "keys", vault.VerifyKeyFile), key)
	if code, out, e := cli(t, "bundle", "verify", resigned); code != 1 || !strings.Contains(out, "not the trusted key") {
		t.Errorf("bundle verify of a re-signed bundle beside the vault = %d, want 1 naming the key:\n%s%s", code, out, e)
	}
	if code, out, e := cli(t, "bundle", "verify", fresh); code != 0 || !strings.Contains(out, "the trusted key") {
		t.Errorf("bundle verify of a fresh bundle beside the vault = %d:\n%s%s", code, out, e)
	}
}

// otherVerifyKey returns another vault's audit-signing.pub.
func otherVerifyKey(t *testing.T) []byte {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
