package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres"
	"github.com/callvault/callvault/internal/sqlite"
)

// A data backup is a directory:
//
//	manifest.json   what the backup holds (backupManifest)
//	catalogue.db    the SQLite catalogue (VACUUM INTO: one consistent snapshot); absent on PostgreSQL
//	blobs.jsonl     one line per recording blob of that catalogue: key, size, SHA-256
//	blobs/...       the blobs themselves, when they live in local files; on S3 they stay in the
//	                bucket (protect it with versioning or replication) and blobs.jsonl lists them
//
// It holds no private key: the key directory is backed up apart (and briefly; see the README).

const backupFormat = "callvault-backup-1"

type backupManifest struct {
	Format       string    `json:"format"`
	CreatedAt    time.Time `json:"created_at"`
	Catalogue    string    `json:"catalogue"`      // "catalogue.db", or "" when the catalogue is PostgreSQL's (pg_dump)
	BlobsCopied  bool      `json:"blobs_copied"`   // blobs/ holds the blobs; false: blobs.jsonl only (S3)
	Recordings   int64     `json:"recordings"`     // live recordings in the copied catalogue
	Missing      int64     `json:"missing"`        // of those, blobs gone when copied (deleted by retention meanwhile)
	AuditHeadSeq int64     `json:"audit_head_seq"` // the last audit event the backup holds (at least)
}

type blobLine struct {
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

const pgBackupNote = `The catalogue of this installation is in PostgreSQL: back it up with PostgreSQL's own tools,
for example

    pg_dump --format=custom --file=catalogue.pgdump "$DATABASE_URL"

taken right after callvault backup (a recording stored in between restores without its audio),
or, better, continuous archiving and point-in-time recovery (base backups plus WAL archives).
Restore it with pg_restore into a new, empty database, then bring back the blobs and verify:

    pg_restore --no-owner --dbname="$NEW_DATABASE_URL" catalogue.pgdump
    callvault restore THIS_DIRECTORY --db "$NEW_DATABASE_URL" --data NEW --keys KEYDIR
`

func runBackup(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "backup", "backup DIR [flags]\n\nWrites a consistent copy of the catalogue (SQLite; on PostgreSQL use pg_dump or PITR) and of the\nblobs (on S3: a manifest of keys and hashes) into DIR, a new directory. No private key is\ncopied. Restore it with `callvault restore DIR --data NEW --keys KEYDIR` (on PostgreSQL, after\npg_restore of the catalogue into a new database, with --db URL).", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "backup needs exactly one target directory", hint: "callvault backup /backups/callvault-2026-12-03"}
	}
	dir := fs.Arg(0)
	if err := newEmptyDir(dir); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	man := backupManifest{Format: backupFormat, CreatedAt: time.Now().UTC()}
	// The event goes in before the copy, so the copy holds it and the next checkpoint (at Close)
	// does not run past the backup's log when nothing else happened meanwhile.
	ev := &callvault.AuditEvent{Time: time.Now(), Actor: string(cliActor(e)), Action: callvault.ActionCatalogueBackup, Object: "catalogue",
		Detail: callvault.AuditDetail(map[string]any{"dir": filepath.Base(dir)})}
	if err := m.Catalogue.AppendAudit(ctx, ev); err != nil {
		return err
	}
	man.AuditHeadSeq = ev.Seq
	src := m.Catalogue
	if b, ok := m.Catalogue.(callvault.CatalogueBackuper); ok {
		man.Catalogue = "catalogue.db"
		path := filepath.Join(dir, man.Catalogue)
		if err := b.BackupTo(ctx, path); err != nil {
			return err
		}
		// The blobs to copy are those of the copy, so that backup and blobs agree.
		cp, err := sqlite.Open(ctx, path)
		if err != nil {
			return err
		}
		defer cp.Close()
		src = cp
	} else {
		if err := os.WriteFile(filepath.Join(dir, "CATALOGUE.txt"), []byte(pgBackupNote), 0o600); err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, "callvault: warning: the catalogue is in PostgreSQL and is not in this backup: back it up with pg_dump or PITR (see CATALOGUE.txt in the backup)")
	}
	man.BlobsCopied = m.Config.Blob == ""
	if err := backupBlobs(ctx, m, src, dir, &man); err != nil {
		return err
	}
	if err := writeJSONFile(filepath.Join(dir, "manifest.json"), man); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up %d recordings to %s (catalogue: %s; blobs: %s)\n", man.Recordings, dir,
		map[bool]string{true: "copied", false: "PostgreSQL, use pg_dump"}[man.Catalogue != ""],
		map[bool]string{true: "copied", false: "listed in blobs.jsonl, kept in the bucket"}[man.BlobsCopied])
	if man.Missing > 0 {
		fmt.Fprintf(e.stderr, "callvault: warning: %d blobs were deleted (retention) while the backup ran; their recordings restore without audio\n", man.Missing)
	}
	return nil
}

// backupBlobs lists (and, for local files, copies) the blob of every live recording of src.
func backupBlobs(ctx context.Context, m *Main, src callvault.Catalogue, dir string, man *backupManifest) error {
	f, err := os.OpenFile(filepath.Join(dir, "blobs.jsonl"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for after := ""; ; {
		recs, err := src.ListRecordings(ctx, after, callvault.MaxSearchLimit)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			man.Recordings++
			line, err := backupBlob(ctx, m.Blobs, r, dir, man.BlobsCopied)
			if callvault.IsKind(err, callvault.KindNotFound) {
				man.Missing++
				continue
			}
			if err != nil {
				return err
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
		}
		after = recs[len(recs)-1].ID
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

func backupBlob(ctx context.Context, blobs callvault.BlobStore, r *callvault.Recording, dir string, copyIt bool) (blobLine, error) {
	line := blobLine{Key: r.BlobKey, Size: r.StoredSize, SHA256: r.StoredSHA256}
	b, err := blobs.Open(ctx, r.BlobKey)
	if err != nil {
		return line, err
	}
	defer b.Close()
	if !copyIt {
		if b.Size() != r.StoredSize {
			return line, fmt.Errorf("recording %s: its blob has %d bytes, the catalogue records %d (run callvault fsck)", r.ID, b.Size(), r.StoredSize)
		}
		return line, nil
	}
	path, err := backupBlobPath(dir, r.BlobKey)
	if err != nil {
		return line, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return line, err
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return line, err
	}
	defer out.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), io.NewSectionReader(b, 0, b.Size())); err != nil {
		return line, err
	}
	if hex.EncodeToString(h.Sum(nil)) != r.StoredSHA256 {
		return line, fmt.Errorf("recording %s: its blob's SHA-256 differs from the catalogue's (run callvault fsck)", r.ID)
	}
	return line, out.Sync()
}

// backupBlobPath is where a blob key lives under a backup's blobs/ directory.
func backupBlobPath(dir, key string) (string, error) {
	if err := callvault.ValidateBlobKey(key); err != nil {
		return "", err
	}
	return filepath.Join(dir, "blobs", filepath.FromSlash(key)), nil
}

// newEmptyDir creates dir (0700) or accepts it if it exists and is empty.
func newEmptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &usageError{msg: fmt.Sprintf("cannot create %s: %v", dir, err), hint: "choose a directory you can write"}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return &usageError{msg: fmt.Sprintf("%s is not empty", dir), hint: "give a new or empty directory"}
	}
	return nil
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

func runRestore(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "restore", "restore DIR --data NEW --keys KEYDIR [--db URL] [flags]\n\nBrings a backup made by `callvault backup` back into NEW, a new data directory, opened with\nthe key directory KEYDIR, then runs `callvault audit verify`. A backup taken on PostgreSQL holds\nno catalogue: restore its pg_dump with pg_restore into a new database first and name it with\n--db; the blobs then come back into NEW (or are checked in the bucket of --blob).", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	given := map[string]string{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = f.Value.String() })
	if fs.NArg() != 1 || given["data"] == "" || given["keys"] == "" {
		return &usageError{msg: "restore needs the backup directory, --data NEW and --keys KEYDIR", hint: "callvault restore /backups/callvault-2026-12-03 --data /srv/callvault-restored --keys /etc/callvault/keys"}
	}
	dir, data := fs.Arg(0), given["data"]
	var man backupManifest
	if b, err := os.ReadFile(filepath.Join(dir, "manifest.json")); err != nil {
		return &usageError{msg: fmt.Sprintf("%s is not a callvault backup: %v", dir, err), hint: "give the directory `callvault backup` wrote"}
	} else if err := json.Unmarshal(b, &man); err != nil || man.Format != backupFormat {
		return &usageError{msg: fmt.Sprintf("%s/manifest.json is not a %s manifest", dir, backupFormat), hint: "give the directory `callvault backup` wrote"}
	} else if man.Catalogue != "" && man.Catalogue != "catalogue.db" {
		// The manifest names a file inside the backup, never a path elsewhere on this machine.
		return &usageError{msg: fmt.Sprintf("%s/manifest.json names catalogue %q, not catalogue.db", dir, man.Catalogue), hint: "the backup was edited or damaged; give the directory `callvault backup` wrote"}
	}
	if err := checkRestoreCatalogue(ctx, man, given["db"]); err != nil {
		return err
	}
	if _, err := os.Stat(given["keys"]); err != nil {
		return &usageError{msg: fmt.Sprintf("key directory %s: %v", given["keys"], err), hint: "give the live key directory (or a key backup restored next to it)"}
	}
	if err := newEmptyDir(data); err != nil {
		return err
	}
	if man.Catalogue != "" {
		if err := copyNewFile(filepath.Join(dir, man.Catalogue), filepath.Join(data, "catalogue.db")); err != nil {
			return err
		}
	}
	m, err := openRestored(ctx, e, fs)
	if err != nil {
		return err
	}
	// Nothing is signed before the restored log is verified: the witness may be ahead of it.
	m.Checkpointer = nil
	n, err := restoreBlobs(ctx, m, dir, man)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if man.Catalogue != "" {
		fmt.Fprintf(e.stdout, "restored the catalogue and %d blobs of the backup of %s into %s; verifying\n", n, man.CreatedAt.Format(time.RFC3339), data)
	} else {
		fmt.Fprintf(e.stdout, "restored %d blobs of the backup of %s into %s, next to the catalogue pg_restore brought back; verifying\n", n, man.CreatedAt.Format(time.RFC3339), data)
	}
	var verifyArgs []string
	fs.Visit(func(f *flag.Flag) { verifyArgs = append(verifyArgs, "--"+f.Name+"="+f.Value.String()) })
	if err := runAuditVerify(ctx, e, verifyArgs); err != nil {
		fmt.Fprintf(e.stderr, "callvault: hint: if audit verify names checkpoints of the witness file past the restored log, the restore "+
			"explains them: confirm it, then run `callvault audit witness-rotate --data %s --keys %s --reason \"restored from the backup of %s\"` "+
			"and `callvault audit verify` again (see docs/ARCHITECTURE.md)\n", data, given["keys"], man.CreatedAt.Format(time.DateOnly))
		return fmt.Errorf("the restored vault does not verify: %w", err)
	}
	// Recorded once the restored log is known to be whole.
	m, err = openRestored(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	return m.audit(ctx, cliActor(e), callvault.ActionCatalogueRestore, "catalogue",
		map[string]any{"backup_created_at": man.CreatedAt.Format(time.RFC3339), "audit_head_seq": man.AuditHeadSeq, "blobs": n})
}

// checkRestoreCatalogue checks where the catalogue of a backup comes back: a SQLite backup holds
// it (catalogue.db, copied into --data); a PostgreSQL backup does not, and its catalogue must
// have been restored with pg_restore, into a new database given as --db, before the blobs are.
func checkRestoreCatalogue(ctx context.Context, man backupManifest, db string) error {
	switch {
	case man.Catalogue != "" && db != "":
		return &usageError{msg: "this backup holds a SQLite catalogue, which restores into --data, not into --db",
			hint: "restore without --db; to move the restored vault to PostgreSQL afterwards, use callvault migrate"}
	case man.Catalogue != "":
		return nil
	case db == "":
		return &usageError{msg: "this backup holds no catalogue: it was taken from PostgreSQL",
			hint: "restore the catalogue's pg_dump with pg_restore into a new, empty database (see CATALOGUE.txt in the backup), then run callvault restore DIR --db URL --data NEW --keys KEYDIR"}
	}
	holds, err := postgres.HoldsCatalogue(ctx, db)
	if err != nil {
		return err
	}
	if !holds {
		return &usageError{msg: "the database given as --db holds no callvault catalogue",
			hint: "restore the catalogue's pg_dump into it first: pg_restore --no-owner --dbname=URL catalogue.pgdump (see CATALOGUE.txt in the backup)"}
	}
	return nil
}

// openRestored opens the restored vault; it never creates keys: the restored catalogue records
// the vault's public keys, and the key directory must hold their private halves.
func openRestored(ctx context.Context, e env, fs *flag.FlagSet) (*Main, error) {
	cfg, err := LoadConfig(fs, e.getenv)
	if err != nil {
		return nil, err
	}
	m := NewMain(cfg, e.stdout, e.stderr)
	m.NoKeyCreation = true
	if err := m.Open(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// restoreBlobs puts the backup's blobs into m's blob store, each checked against its hash; for a
// backup that only lists them (S3), it checks that the blob store holds each.
func restoreBlobs(ctx context.Context, m *Main, dir string, man backupManifest) (int64, error) {
	f, err := os.Open(filepath.Join(dir, "blobs.jsonl"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line blobLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return n, fmt.Errorf("blobs.jsonl line %d: %w", n+1, err)
		}
		if man.BlobsCopied {
			if err := restoreBlob(ctx, m.Blobs, dir, line); err != nil {
				return n, err
			}
		} else if b, err := m.Blobs.Open(ctx, line.Key); err != nil {
			return n, fmt.Errorf("blob %s listed in the backup: %w", line.Key, err)
		} else {
			size := b.Size()
			b.Close()
			if size != line.Size {
				return n, fmt.Errorf("blob %s has %d bytes, the backup lists %d", line.Key, size, line.Size)
			}
		}
		n++
	}
	return n, sc.Err()
}

func restoreBlob(ctx context.Context, blobs callvault.BlobStore, dir string, line blobLine) error {
	path, err := backupBlobPath(dir, line.Key)
	if err != nil {
		return err
	}
	in, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("the backup lacks blob %s: %w", line.Key, err)
	}
	defer in.Close()
	w, err := blobs.Create(ctx, line.Key)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, h), in); err != nil {
		w.Abort()
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != line.SHA256 {
		w.Abort()
		return fmt.Errorf("blob %s in the backup differs from its recorded SHA-256: the backup is damaged", line.Key)
	}
	if err := w.Commit(); err != nil && !callvault.IsKind(err, callvault.KindConflict) {
		return err
	}
	return nil
}

// copyNewFile copies src to a new file dst (0600) and syncs it.
func copyNewFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return errors.Join(out.Sync(), out.Close())
}
