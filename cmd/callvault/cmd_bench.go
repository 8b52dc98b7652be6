package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/benchload"
)

const benchUsage = `Usage: callvault bench <subcommand> [flags]

Benchmarks of the subject search over a generated catalogue. For a scratch data directory or
database only: never point them at a vault in use.

Subcommands:
  load     generate recordings into an empty catalogue (--recordings N)
  search   run subject searches over a generated catalogue and print their latencies`

func runBench(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "bench needs a subcommand: load or search", hint: "callvault bench load --recordings 1000000 --data /tmp/bench"}
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(e.stdout, benchUsage)
		return nil
	case "load":
		return runBenchLoad(ctx, e, args[1:])
	case "search":
		return runBenchSearch(ctx, e, args[1:])
	}
	return &usageError{msg: fmt.Sprintf("unknown bench subcommand %q", args[0]), hint: "run `callvault bench --help`"}
}

// benchSpecFlags registers the flags that describe the generated catalogue; load and search
// must be given the same values.
func benchSpecFlags(fs *flag.FlagSet) func() benchload.Spec {
	seed := fs.Uint64("seed", 1, "seed of the generated people, numbers and calls (the same for load and search)")
	numbers := fs.Int("numbers", 50_000, "distinct external numbers: UK mobiles and landlines, 15% international")
	names := fs.Int("names", 20_000, "distinct customer names (at most 20,000)")
	exts := fs.Int("extensions", 30, "extensions, each with its agent")
	return func() benchload.Spec {
		return benchload.Spec{Seed: *seed, Numbers: *numbers, Names: *names, Extensions: *exts}
	}
}

// openBenchCatalogue opens the catalogue named by --data or --db, creating the data directory.
func openBenchCatalogue(ctx context.Context, e env, fs *flag.FlagSet) (callvault.Catalogue, Config, error) {
	cfg, err := LoadConfig(fs, e.getenv)
	if err != nil {
		return nil, cfg, err
	}
	if cfg.DB == "" {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return nil, cfg, err
		}
	}
	cat, err := openCatalogue(ctx, &cfg)
	return cat, cfg, err
}

func runBenchLoad(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "bench load", "bench load --recordings N (--data DIR | --db URL) [flags]\n\n"+
		"Generates N realistic recordings (numbers, names, extensions and start times over six\n"+
		"months) into an empty catalogue, in large transactions through the store's bulk loader.\n"+
		"Only catalogue rows and subject-index rows are written: no audio, no blobs and no audit\n"+
		"events, since the subject search reads none of them. The result is for `callvault bench\n"+
		"search`, not a vault: fsck and audit verify will not pass on it.\n\n"+
		"For speed, on SQLite the load runs with synchronous=OFF (no fsync) and without\n"+
		"foreign-key checks until it ends, and on PostgreSQL with synchronous_commit=off: a crash\n"+
		"during the load can corrupt a SQLite file. Give it a scratch --data directory or a\n"+
		"scratch --db database only, never a vault's.", true)
	n := fs.Int("recordings", 0, "how many recordings to generate (required)")
	batch := fs.Int("batch", benchload.DefaultBatch, "recordings per transaction (each batch is held in memory: about 2 KiB a recording)")
	spec := benchSpecFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n <= 0 {
		return &usageError{msg: "--recordings must be a positive number", hint: "callvault bench load --recordings 1000000 --data /tmp/bench"}
	}
	cat, cfg, err := openBenchCatalogue(ctx, e, fs)
	if err != nil {
		return err
	}
	defer cat.Close()
	loader, ok := cat.(benchload.Loader)
	if !ok {
		return fmt.Errorf("this catalogue cannot bulk load")
	}
	if rs, err := cat.ListRecordings(ctx, "", 1); err != nil {
		return err
	} else if len(rs) > 0 {
		return &usageError{msg: "the catalogue already holds recordings; bench load fills only an empty one",
			hint: "give a new --data directory or a scratch --db database"}
	}
	s := spec()
	s.Recordings = *n
	t0 := time.Now()
	g := benchload.NewGenerator(s)
	step := max(*n/20, *batch)
	next := step
	err = benchload.Load(ctx, loader, g, *batch, func(loaded int) {
		if loaded >= next || loaded == *n {
			fmt.Fprintf(e.stderr, "loaded %d of %d recordings (%s)\n", loaded, *n, time.Since(t0).Round(time.Second))
			next += step
		}
	})
	if err != nil {
		return err
	}
	took := time.Since(t0)
	fmt.Fprintf(e.stdout, "loaded %d recordings in %s (%.0f a second)\n", *n, took.Round(time.Millisecond), float64(*n)/took.Seconds())
	if cfg.DB == "" {
		var size int64
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(filepath.Join(cfg.Data, "catalogue.db"+suffix)); err == nil {
				size += fi.Size()
			}
		}
		fmt.Fprintf(e.stdout, "catalogue.db: %.1f MiB\n", float64(size)/(1<<20))
	}
	return nil
}

func runBenchSearch(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "bench search", "bench search (--data DIR | --db URL) [--queries N] [flags]\n\n"+
		"Runs N subject searches over a catalogue made by `callvault bench load` (give it the same\n"+
		"--seed, --numbers, --names and --extensions): numbers in every common format, names typed\n"+
		"without accents or in capitals, an extension over a day and a week, a number with a name. Each\n"+
		"search is read to its last page, as the case search does. Prints the median, p90 and p99\n"+
		"latency per kind of search, what they found, and as a baseline for this machine at this\n"+
		"moment the latency of reading one recording by its primary key.", true)
	queries := fs.Int("queries", 1000, "how many searches")
	qseed := fs.Uint64("query-seed", 1, "seed of the searches drawn")
	spec := benchSpecFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *queries <= 0 {
		return &usageError{msg: "--queries must be a positive number", hint: "callvault bench search --queries 1000 --data /tmp/bench"}
	}
	cat, _, err := openBenchCatalogue(ctx, e, fs)
	if err != nil {
		return err
	}
	defer cat.Close()
	g := benchload.NewGenerator(spec())
	qs := g.Queries(*queries, *qseed)
	// Warm up: the first searches open connections and fill caches, which a server has done long before.
	if _, err := benchload.Bench(ctx, cat, qs[:min(len(qs), 20)]); err != nil {
		return err
	}
	rep, err := benchload.Bench(ctx, cat, qs)
	if err != nil {
		return err
	}
	rep.Print(e.stdout)
	checked, differ, err := g.CheckFormats(ctx, cat, 100, *qseed)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "number formats: %d numbers searched in %d forms each (national, +44, 00, tel:, sip:, brackets and dashes): %d found different sets\n",
		checked, len(benchload.Formats("+447700900123")), differ)
	if differ > 0 {
		return fmt.Errorf("%d numbers were found differently in some written form", differ)
	}
	return nil
}
