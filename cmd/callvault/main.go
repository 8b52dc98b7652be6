// Command callvault is the call-recording vault: one binary that captures, encrypts, catalogues,
// audits and (later) governs access to and deletes call recordings.
//
// Usage: callvault <command> [flags]; see `callvault help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// env is what a subcommand gets from its caller; tests pass their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (HTTP API; SIPREC capture with --sip)", runServe},
		{"ingest", "store WAV recordings from the command line (one file or a folder)", runIngest},
		{"bundle", "verify a disclosure bundle offline", runBundle},
		{"import", "import recordings from a FreePBX spool or a watched folder", runImport},
		{"token", "create, list or revoke machine API tokens", runToken},
		{"users", "add, list, disable or enable people, or give one a set-password link", runUsers},
		{"keys", "show the vault's public recipient", runKeys},
		{"report", "reports for the DPO: inbound calls without announcement evidence", runReport},
		{"retention", "delete recordings whose retention period has ended, now; or show the compliance status", runRetention},
		{"notice", "e-mail the staff notice to everyone, or list who has not acknowledged it", runNotice},
		{"backup", "write a consistent data backup (catalogue and blobs, no private key) into a new directory", runBackup},
		{"restore", "bring a backup back into a new data directory and verify it", runRestore},
		{"fsck", "check that the catalogue and the blob store agree; --repair removes orphan blobs", runFsck},
		{"hold", "place, release or list legal holds (a held recording is never deleted)", runHold},
		{"mail", "show the outbox of outgoing mail, or send what is due now", runMail},
		{"migrate", "move an embedded installation to PostgreSQL and S3 (resumable, every hash verified)", runMigrate},
		{"audit", "verify the audit chain and every recording, or export the log", runAudit},
		{"case", "the DPO's case desk: subject access due dates", runCase},
		{"pci", "find keyed digits (card numbers, PINs) in stored recordings and mask them", runPCI},
		{"bench", "benchmark the subject search over generated recordings (scratch catalogues only)", runBench},
		{"version", "print the version", runVersion},
		{"help", "show help for callvault or a command", nil},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdin, stdout, stderr, getenv)
		}
		printUsage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] && c.run != nil {
			err := c.run(ctx, e, args[1:])
			return reportError(stderr, err)
		}
	}
	fmt.Fprintf(stderr, "callvault: error: unknown command %q\ncallvault: hint: run `callvault help` for the list of commands\n", args[0])
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "callvault %s: the call-recording vault\n\nUsage: callvault <command> [flags]\n\nCommands:\n", Version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun `callvault <command> --help` for a command's flags. Settings come from defaults, then a\n"+
		"JSON config file (--config), then CALLVAULT_* environment variables, then flags.\n")
}

// usageError is an error a person fixes by changing the command line or configuration.
type usageError struct {
	msg  string
	hint string
}

func (e *usageError) Error() string { return e.msg }

// reportError prints err in the callvault: error / callvault: hint form and returns the exit code.
func reportError(w io.Writer, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "callvault: error: %s\n", ue.msg)
		if ue.hint != "" {
			fmt.Fprintf(w, "callvault: hint: %s\n", ue.hint)
		}
		return 2
	}
	var ve *verifyFailed
	if errors.As(err, &ve) {
		fmt.Fprintf(w, "callvault: error: %s\n", ve.Error())
		return 1
	}
	fmt.Fprintf(w, "callvault: error: %v\n", err)
	if h := hintFor(err); h != "" {
		fmt.Fprintf(w, "callvault: hint: %s\n", h)
	}
	return 1
}

// newFlagSet returns a flag set for a subcommand whose --help prints usage and the config flags.
func newFlagSet(e env, name, usage string, withConfig bool) *flag.FlagSet {
	fs := flag.NewFlagSet("callvault "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if withConfig {
		registerConfigFlags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: callvault %s\n\nFlags:\n", usage)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments (callvault ingest FILE
// --meta M), and turns flag errors into usage errors. Positional arguments end up in fs.Args().
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return &usageError{msg: err.Error(), hint: "run `" + fs.Name() + " --help`"}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			positional = append(positional, rest[1:]...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Leave the positional arguments where fs.Args() finds them.
	return fs.Parse(append([]string{"--"}, positional...))
}

func runVersion(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "version", "version", false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "callvault %s\n", Version)
	return nil
}
