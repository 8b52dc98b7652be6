package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/callvault/callvault/internal/importer"
)

func runImportWatch(ctx context.Context, e env, args []string) error {
	fset := newFlagSet(e, "import watch", "import watch DIR [flags]", true)
	flags := addImportFlags(fset, false)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		return &usageError{msg: "give the one folder to watch", hint: "callvault import watch /srv/recordings (each NAME.wav with its metadata in NAME.json beside it)"}
	}
	dir := fset.Arg(0)
	if err := isDir("watch", dir); err != nil {
		return err
	}
	open := func() (*Main, error) { return openMain(ctx, e, fset) }
	return withVault(ctx, e, open, func(m *Main) error {
		ir := newImportRun(e, m, *flags.deleteSource)
		w := &importer.Watcher{Dir: dir, Settle: *flags.settle, Poll: *flags.poll, Match: wavOnly}
		fmt.Fprintf(e.stderr, "callvault: watching %s; stop with Ctrl-C\n", dir)
		err := w.Run(ctx, func(ctx context.Context, path string) importer.Ready {
			return sidecarReady(ctx, ir, path)
		})
		if ctx.Err() != nil {
			return ir.summary()
		}
		return err
	})
}

// sidecarReady imports NAME.wav with the metadata of NAME.json beside it (the upload API's
// shape). A WAV whose sidecar is missing, still being written or wrong waits (reported once)
// until the sidecar is there and right.
func sidecarReady(ctx context.Context, ir *importRun, path string) importer.Ready {
	side := strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
	if _, err := os.Stat(side); err != nil {
		ir.report(path, "waiting", fmt.Sprintf("%s: waiting for its metadata %s", path, filepath.Base(side)))
		return importer.Pending
	}
	rec, err := readMetaFile(side, ir.m.Config.Region)
	if err != nil {
		ir.report(path, "waiting", fmt.Sprintf("%v (fix %s; %s is imported once it is right)", err, filepath.Base(side), filepath.Base(path)))
		return importer.Pending
	}
	if ir.store(ctx, path, rec, "") {
		if _, err := os.Stat(path); ir.deleteSource && os.IsNotExist(err) {
			os.Remove(side) // the recording was verified and its WAV deleted; its metadata goes too
		}
		return importer.Taken
	}
	return importer.Pending
}
