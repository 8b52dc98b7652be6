package main

import (
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callvault/callvault/internal/audio"
	_ "modernc.org/sqlite"
)

// seedVault makes a data directory with a few recordings and audit events, server stopped.
func seedVault(t *testing.T) (data string, ids []string) {
	t.Helper()
	s := startServer(t, "", "--checkpoint-every", "3")
	token := createToken(t, s.data, "recorder", "pbx")
	for i := 0; i < 4; i++ {
		wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.5)
		r := uploadWAV(t, s.url, token, fmt.Sprintf("tamper-%d", i), wav)
		if r.status != 201 {
			t.Fatalf("upload: %d %s", r.status, r.raw)
		}
		ids = append(ids, r.body["id"].(string))
	}
	s.stop()
	if code, out, e := cli(t, "audit", "verify", "--data", s.data); code != 0 {
		t.Fatalf("untampered vault does not verify: %s%s", out, e)
	}
	return s.data, ids
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm())
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func openCatalogueDB(t *testing.T, data string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// auditColumns returns the columns of audit_events other than seq.
func auditColumns(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM pragma_table_info('audit_events')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		if n != "seq" {
			cols = append(cols, n)
		}
	}
	if len(cols) == 0 {
		t.Fatal("no audit_events table")
	}
	return cols
}

func TestTamperDetection(t *testing.T) {
	base, ids := seedVault(t)
	cases := []struct {
		name   string
		tamper func(t *testing.T, data string)
		want   string // expected in the verify output
	}{
		{"flip one byte of a blob", func(t *testing.T, data string) {
			var blob string
			filepath.Walk(filepath.Join(data, "blobs", "recordings"), func(p string, info os.FileInfo, err error) error {
				if err == nil && strings.Contains(p, ids[2]) {
					blob = p
				}
				return nil
			})
			b, err := os.ReadFile(blob)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x01
			if err := os.WriteFile(blob, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, ids[2]},
		{"delete one audit row", func(t *testing.T, data string) {
			db := openCatalogueDB(t, data)
			if _, err := db.Exec(`DELETE FROM audit_events WHERE seq = 3`); err != nil {
				t.Fatal(err)
			}
		}, "3"},
		{"swap two audit rows", func(t *testing.T, data string) {
			db := openCatalogueDB(t, data)
			cols := auditColumns(t, db)
			// Copy to a scratch table first so the swap reads the original values.
			stmts := []string{
				`CREATE TABLE swap AS SELECT * FROM audit_events WHERE seq IN (4, 5)`,
			}
			for _, c := range cols {
				stmts = append(stmts, fmt.Sprintf(`UPDATE audit_events SET %s = (SELECT %s FROM swap WHERE swap.seq = CASE WHEN audit_events.seq = 4 THEN 5 ELSE 4 END) WHERE seq IN (4, 5)`, c, c))
			}
			stmts = append(stmts, `DROP TABLE swap`)
			for _, s := range stmts {
				if _, err := db.Exec(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
		}, "4"},
		{"edit an event's actor", func(t *testing.T, data string) {
			db := openCatalogueDB(t, data)
			if _, err := db.Exec(`UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
		}, "2"},
		{"cut the log's tail", func(t *testing.T, data string) {
			db := openCatalogueDB(t, data)
			if _, err := db.Exec(`DELETE FROM audit_events WHERE seq > 2`); err != nil {
				t.Fatal(err)
			}
		}, "checkpoint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := copyDir(t, base)
			c.tamper(t, data)
			code, out, errOut := cli(t, "audit", "verify", "--data", data)
			if code == 0 {
				t.Fatalf("audit verify passed on a tampered vault:\n%s", out)
			}
			if !strings.Contains(out+errOut, c.want) {
				t.Errorf("verify output does not name %q:\n%s%s", c.want, out, errOut)
			}
		})
	}
}

// TestVerifyExportOffline: an auditor verifies an export with only the export, its checkpoints
// and the public key; an edited export fails.
func TestVerifyExportOffline(t *testing.T) {
	data, _ := seedVault(t)
	dir := t.TempDir()
	events, cps := filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "cp.jsonl")
	if code, _, e := cli(t, "audit", "export", "--data", data, "--out", events, "--checkpoints", cps); code != 0 {
		t.Fatalf("export: %s", e)
	}
	pub := filepath.Join(data, "keys", "audit-signing.pub")
	code, out, e := cli(t, "audit", "verify-export", events, "--checkpoints", cps, "--verify-key", pub)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("verify-export of an intact export: exit %d\n%s%s", code, out, e)
	}
	if b, _ := os.ReadFile(cps); len(b) == 0 {
		t.Fatal("no checkpoints were exported")
	}
	b, _ := os.ReadFile(events)
	edited := filepath.Join(dir, "edited.jsonl")
	os.WriteFile(edited, []byte(strings.Replace(string(b), `"actor":"token:pbx"`, `"actor":"token:someone"`, 1)), 0o600)
	if code, out, _ := cli(t, "audit", "verify-export", edited, "--checkpoints", cps, "--verify-key", pub); code == 0 {
		t.Fatalf("verify-export passed an edited export:\n%s", out)
	}
	// Another vault's key does not verify these checkpoints.
	other := t.TempDir()
	cli(t, "keys", "show-recipient", "--data", other)
	if code, _, _ := cli(t, "audit", "verify-export", events, "--checkpoints", cps, "--verify-key", filepath.Join(other, "keys", "audit-signing.pub")); code == 0 {
		t.Fatal("verify-export accepted checkpoints under a foreign key")
	}
}
