package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestCaseDueDateBinary runs `callvault case due-date` as a separate process (this test binary
// re-executed as callvault, see TestMain) and checks the contract outside checks use: the date
// alone on stdout and exit 0; on bad input nothing on stdout, an error and a hint on stderr, and
// exit 2.
func TestCaseDueDateBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var extraEnv []string
	run := func(args ...string) (int, string, string) {
		cmd := exec.Command(exe, append([]string{"case", "due-date"}, args...)...)
		cmd.Env = append(append(os.Environ(), "CALLVAULT_E2E_EXEC=1"), extraEnv...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--received", "2024-11-25"}, "2024-12-27\n"},
		{[]string{"--received", "2025-12-02", "--region", "scotland"}, "2026-01-05\n"},
		{[]string{"--received", "2025-12-02", "--region", "england-and-wales"}, "2026-01-02\n"},
		{[]string{"--region", "northern-ireland", "--received", "2026-02-17"}, "2026-03-18\n"},
		{[]string{"--received=2026-01-31"}, "2026-03-02\n"},
	} {
		code, out, errOut := run(c.args...)
		if code != 0 || out != c.want || errOut != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", c.args, code, out, errOut, c.want)
		}
	}
	// Without --region, the vault's holiday_region setting: 2 January 2026 is a Scottish holiday.
	extraEnv = []string{"CALLVAULT_HOLIDAY_REGION=scotland"}
	if code, out, errOut := run("--received", "2025-12-02"); code != 0 || out != "2026-01-05\n" {
		t.Errorf("with holiday_region scotland: exit %d, stdout %q, stderr %q; want 2026-01-05", code, out, errOut)
	}
	if code, out, _ := run("--received", "2025-12-02", "--region", "england-and-wales"); code != 0 || out != "2026-01-02\n" {
		t.Errorf("--region overrides the setting: exit %d, stdout %q", code, out)
	}
	// A misspelt region in the environment is an error, not the default's date.
	extraEnv = []string{"CALLVAULT_HOLIDAY_REGION=scotlnd"}
	if code, out, errOut := run("--received", "2025-12-02"); code != 2 || out != "" || !strings.Contains(errOut, "CALLVAULT_HOLIDAY_REGION") {
		t.Errorf("with holiday_region scotlnd: exit %d, stdout %q, stderr %q; want exit 2 naming CALLVAULT_HOLIDAY_REGION", code, out, errOut)
	}
	extraEnv = nil
	for _, c := range []struct {
		args []string
		says string
	}{
		{nil, "--received is required"},
		{[]string{"--received", "3 Sept 2026"}, "YYYY-MM-DD"},
		{[]string{"--received", "2026-02-30"}, "not a day of the calendar"},
		{[]string{"--received", "2026-09-03", "--region", "wales"}, "england-and-wales, scotland, northern-ireland"},
		{[]string{"--received", "2026-09-03", "--regoin", "scotland"}, "regoin"},
		{[]string{"2026-09-03"}, "unexpected argument"},
	} {
		code, out, errOut := run(c.args...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "callvault: error: ") || !strings.Contains(errOut, c.says) || !strings.Contains(errOut, "callvault: hint: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and an error naming %q", c.args, code, out, errOut, c.says)
		}
	}
}

func TestCaseCommandUsage(t *testing.T) {
	if code, _, errOut := cli(t, "case"); code != 2 || !strings.Contains(errOut, "due-date") {
		t.Errorf("case without a subcommand: exit %d %q", code, errOut)
	}
	if code, _, errOut := cli(t, "case", "open"); code != 2 || !strings.Contains(errOut, `unknown case subcommand "open"`) {
		t.Errorf("unknown subcommand: exit %d %q", code, errOut)
	}
	if code, out, _ := cli(t, "case", "--help"); code != 0 || !strings.Contains(out, "due-date") {
		t.Errorf("case --help: exit %d %q", code, out)
	}
	if _, out, _ := cli(t, "help"); !strings.Contains(out, "case ") {
		t.Errorf("help does not list case: %q", out)
	}
}
