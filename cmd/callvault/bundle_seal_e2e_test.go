package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/callvault/callvault"
)

// Encrypted disclosure bundles over HTTP: the plain call still answers the zip; with an age
// recipient or a passphrase the vault answers the same signed zip encrypted with age, which
// `callvault bundle verify` checks in a directory with no vault given the identity or the
// passphrase, refuses clearly without them or with the wrong ones; a recipient that is not one,
// a short passphrase, or both are refused naming the field, and the passphrase is in no log.
func TestEncryptedBundleEndToEnd(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	token := createToken(t, v.data, "recorder", "pbx")
	start := v.clock.now().Add(-time.Hour)
	recs := []string{v.ingestCall(t, token, "a", start, "07700 900123"), v.ingestCall(t, token, "b", start.Add(time.Minute), "07700 900123")}
	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	st, out := dora.call("POST", "/api/v1/cases", map[string]any{"type": "subject_access", "received_at": v.clock.now().Format(time.RFC3339),
		"subjects": map[string]any{"numbers": []string{"07700900123"}}})
	if st != 201 {
		t.Fatalf("open: %d %v", st, out)
	}
	id := out["id"].(string)
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/search", map[string]any{}); st != 200 {
		t.Fatalf("search: %d %v", st, out)
	}
	for _, rid := range recs {
		if st, out := dora.call("POST", "/api/v1/cases/"+id+"/recordings", map[string]any{"recording_id": rid, "include": true, "reason": "the requester's call"}); st != 200 {
			t.Fatalf("include: %d %v", st, out)
		}
	}

	const passphrase = "lantern-orchid-47-quay"
	for _, bad := range []struct {
		in    map[string]any
		field string
	}{
		{map[string]any{"recipient": "age1notarecipient"}, "recipient"},
		{map[string]any{"recipient": "ssh-rsa AAAA"}, "recipient"},
		{map[string]any{"passphrase": "too short"}, "passphrase"},
		{map[string]any{"recipient": "age1notarecipient", "passphrase": passphrase}, "recipient"},
		{map[string]any{"password": passphrase}, "password"},
	} {
		if st, out := dora.call("POST", "/api/v1/cases/"+id+"/bundle", bad.in); st != 400 || !strings.Contains(problemText(out), bad.field) {
			t.Errorf("bundle %v: %d %v; want 400 naming %s", bad.in, st, out, bad.field)
		}
	}

	dir := t.TempDir() // no vault here
	fetch := func(body any, wantType string) string {
		t.Helper()
		resp := dora.do("POST", "/api/v1/cases/"+id+"/bundle", body, nil)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != wantType {
			t.Fatalf("bundle %v: %d %s %v: %.200s", body, resp.StatusCode, resp.Header.Get("Content-Type"), err, b)
		}
		path := filepath.Join(dir, callvault.NewID()+".bundle")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	verify := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		var o, e bytes.Buffer
		code := run(context.Background(), append([]string{"bundle", "verify"}, args...), strings.NewReader(stdin), &o, &e, testEnv(&o, &e).getenv)
		return code, o.String(), e.String()
	}

	plain := fetch(nil, "application/zip")
	if code, out, e := verify("", plain); code != 0 || !strings.Contains(out, "ok:") {
		t.Errorf("verify the plain bundle: %d %s %s", code, out, e)
	}

	id1, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	keyFile, otherFile := filepath.Join(dir, "key.txt"), filepath.Join(dir, "other.txt")
	os.WriteFile(keyFile, []byte("# the recipient's key\n"+id1.String()+"\n"), 0o600)
	os.WriteFile(otherFile, []byte(other.String()+"\n"), 0o600)
	sealed := fetch(map[string]any{"recipient": id1.Recipient().String()}, "application/age")
	if b, _ := os.ReadFile(sealed); bytes.Contains(b, []byte("manifest.json")) || !bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) {
		t.Errorf("the bundle for a recipient is not age-encrypted")
	}
	if code, out, e := verify("", sealed); code != 1 || !strings.Contains(e, "encrypted") || !strings.Contains(e, "--identity") || !strings.Contains(e, "--passphrase-stdin") {
		t.Errorf("verify an encrypted bundle without a key: %d %s %s", code, out, e)
	}
	if code, out, e := verify("", sealed, "--identity", keyFile); code != 0 || !strings.Contains(out, "decrypted") || !strings.Contains(out, "ok:") {
		t.Errorf("verify with the identity: %d %s %s", code, out, e)
	}
	if code, out, e := verify("", sealed, "--identity", otherFile); code != 1 || !strings.Contains(e, "another key or passphrase") {
		t.Errorf("verify with another identity: %d %s %s", code, out, e)
	}

	byPass := fetch(map[string]any{"passphrase": passphrase}, "application/age")
	if code, out, e := verify(passphrase+"\n", byPass, "--passphrase-stdin"); code != 0 || !strings.Contains(out, "ok:") {
		t.Errorf("verify with the passphrase: %d %s %s", code, out, e)
	}
	if code, out, e := verify("not-the-passphrase\n", byPass, "--passphrase-stdin"); code != 1 || !strings.Contains(e, "another key or passphrase") {
		t.Errorf("verify with a wrong passphrase: %d %s %s", code, out, e)
	}

	evs := v.events(t)
	var kinds []string
	for _, e := range evs {
		if strings.Contains(e.Detail, passphrase) {
			t.Errorf("audit event %s holds the passphrase", e.Action)
		}
		if e.Action == callvault.ActionCaseExport {
			kinds = append(kinds, e.Detail)
		}
	}
	if len(kinds) != 3 || strings.Contains(kinds[0], "encrypted_to") || !strings.Contains(kinds[1], `"encrypted_to":"recipient"`) || !strings.Contains(kinds[2], `"encrypted_to":"passphrase"`) {
		t.Errorf("case.export events: %v", kinds)
	}
	if strings.Contains(v.log.String(), passphrase) {
		t.Errorf("the server log holds the passphrase")
	}
	v.server.stop()
	if code, out, e := cli(t, append([]string{"audit", "verify"}, v.stores...)...); code != 0 {
		t.Errorf("audit verify = %d\n%s%s", code, out, e)
	}
}
