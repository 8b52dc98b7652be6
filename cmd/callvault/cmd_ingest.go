package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/metadata"
)

func runIngest(ctx context.Context, e env, args []string) error {
	fset := newFlagSet(e, "ingest", "ingest FILE.wav --meta META.json [flags] | ingest --dir DIR [flags]", true)
	metaPath := fset.String("meta", "", "metadata JSON for FILE (the upload API's metadata shape)")
	dir := fset.String("dir", "", "import every .wav under DIR; NAME.wav takes its metadata from NAME.json beside it if present, otherwise source=import, source_id=file:<its path under DIR>, started_at=its modification time (a source_id outlives the recording in its tombstone: a path that holds phone numbers or names needs a NAME.json with another source_id)")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if (*dir == "") == (fset.NArg() == 0) || fset.NArg() > 1 {
		return &usageError{msg: "give either one FILE (with --meta) or --dir DIR", hint: "callvault ingest call.wav --meta call.json"}
	}
	if *dir == "" && *metaPath == "" {
		return &usageError{msg: "--meta is required with a single FILE", hint: "write the metadata as JSON, e.g. {\"started_at\":\"2026-11-20T10:00:00Z\",\"source_id\":\"pbx-1234\"} (the source is always import)"}
	}
	m, err := openMain(ctx, e, fset)
	if err != nil {
		return err
	}
	defer m.Close()
	if m.Config.Embedded() {
		lock, err := lockIngestShared(m.Config.Data)
		if err != nil {
			return err
		}
		defer lock.Close()
	}
	actor := cliActor(e)
	if *dir == "" {
		rec, err := readMetaFile(*metaPath, m.Config.Region)
		if err != nil {
			return err
		}
		r, created, err := ingestFile(ctx, m, actor, fset.Arg(0), rec)
		if err != nil {
			return err
		}
		printIngested(e, fset.Arg(0), r, created)
		return nil
	}
	return ingestDir(ctx, e, m, actor, *dir)
}

func readMetaFile(path, region string) (*callvault.Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &usageError{msg: fmt.Sprintf("cannot read metadata: %v", err), hint: "check the --meta path"}
	}
	defer f.Close()
	rec, err := metadata.Decode(f, region)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	callvault.ImportSource(rec) // an import is source "import" whatever its metadata claims
	return rec, nil
}

func ingestFile(ctx context.Context, m *Main, actor callvault.Actor, path string, rec *callvault.Recording) (*callvault.Recording, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, &usageError{msg: fmt.Sprintf("cannot read audio: %v", err), hint: "check the file path"}
	}
	defer f.Close()
	r, created, err := m.Archive.Ingest(ctx, callvault.IngestRequest{Actor: actor, Recording: rec, Audio: f})
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return r, created, nil
}

func printIngested(e env, path string, r *callvault.Recording, created bool) {
	state := "stored"
	if !created {
		state = "already stored"
	}
	fmt.Fprintf(e.stdout, "%s\t%s\t%s\tsha256:%s\n", r.ID, state, path, r.PlainSHA256)
	if r.Attributes[callvault.AttrExpiredOnArrival] == "true" {
		fmt.Fprintf(e.stderr, "callvault: warning: %s started %s and its retention ended %s, before it arrived: it is stored, "+
			"and the next retention sweep deletes it unless it is held\n", path,
			r.StartedAt.Format(time.RFC3339), r.RetainUntil.Format(time.RFC3339))
	}
}

func ingestDir(ctx context.Context, e env, m *Main, actor callvault.Actor, dir string) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".wav") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot read --dir: %v", err), hint: "check the folder path"}
	}
	sort.Strings(files)
	bar := newProgress(e.stderr, len(files))
	var failed int
	for i, p := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := metaForFile(dir, p, m.Config.Region)
		var r *callvault.Recording
		var created bool
		if err == nil {
			r, created, err = ingestFile(ctx, m, actor, p, rec)
		}
		bar.clear()
		if err != nil {
			failed++
			fmt.Fprintf(e.stderr, "callvault: error: %v\n", err)
		} else {
			printIngested(e, p, r, created)
		}
		bar.set(i + 1)
	}
	bar.done()
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be imported (nothing was stored for them); fix them and run the same command again: stored files are skipped", failed, len(files))
	}
	return nil
}

// metaForFile reads NAME.json beside NAME.wav, or makes import metadata from the file itself.
func metaForFile(root, wav, region string) (*callvault.Recording, error) {
	side := strings.TrimSuffix(wav, filepath.Ext(wav)) + ".json"
	if _, err := os.Stat(side); err == nil {
		return readMetaFile(side, region)
	}
	st, err := os.Stat(wav)
	if err != nil {
		return nil, err
	}
	rel, _ := filepath.Rel(root, wav)
	// The same rules as uploaded metadata (a plausible start time, a printable source id of
	// bounded length): a file they refuse needs a NAME.json beside it.
	doc, _ := json.Marshal(map[string]string{
		"started_at": st.ModTime().UTC().Format(time.RFC3339), "source": string(callvault.SourceImport),
		"source_id": "file:" + filepath.ToSlash(rel), "announcement_played": string(callvault.AnnouncementUnknown),
	})
	rec, err := metadata.Decode(bytes.NewReader(doc), region)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (metadata made from the file's name and modification time; put a %s beside it)",
			wav, err, filepath.Base(side))
	}
	return rec, nil
}

// progress draws a one-line progress bar on a terminal-like writer.
type progress struct {
	w     io.Writer
	total int
	n     int
	start time.Time
	drawn time.Time
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now()}
	p.draw()
	return p
}

// set records progress; it redraws at most every 100ms, and always at the end.
func (p *progress) set(n int) {
	p.n = n
	if n == p.total || time.Since(p.drawn) >= 100*time.Millisecond {
		p.draw()
	}
}

func (p *progress) draw() {
	p.drawn = time.Now()
	const width = 30
	filled := width
	if p.total > 0 {
		filled = p.n * width / p.total
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d files, %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		p.n, p.total, time.Since(p.start).Round(time.Second))
}

func (p *progress) clear() { fmt.Fprint(p.w, "\r\033[K") }
func (p *progress) done()  { fmt.Fprintln(p.w) }
