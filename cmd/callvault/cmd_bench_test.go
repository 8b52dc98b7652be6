package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// `callvault bench load` fills an empty scratch catalogue and refuses one that holds
// recordings; `bench search` over it prints a row per kind of search with what each found and
// the primary-key baseline; bad flags are usage errors. (Speed is for the benchmark to report,
// not for this test.)
func TestBenchLoadAndSearch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bench")
	spec := []string{"--numbers", "200", "--names", "100", "--seed", "5"}
	code, out, errOut := cli(t, append([]string{"bench", "load", "--recordings", "500", "--batch", "200", "--data", dir}, spec...)...)
	if code != 0 || !strings.Contains(out, "loaded 500 recordings") || !strings.Contains(errOut, "loaded 500 of 500") {
		t.Fatalf("bench load: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := cli(t, "bench", "load", "--recordings", "10", "--data", dir); code == 0 || !strings.Contains(errOut, "already holds recordings") {
		t.Errorf("bench load into a catalogue with recordings: exit %d %s", code, errOut)
	}
	code, out, errOut = cli(t, append([]string{"bench", "search", "--queries", "50", "--data", dir}, spec...)...)
	if code != 0 {
		t.Fatalf("bench search: exit %d\n%s", code, errOut)
	}
	for _, kind := range []string{"number ", "name ", "extension+day", "extension+week", "number+name", "all ", "primary-key read"} {
		if !strings.Contains(out, kind) {
			t.Errorf("bench search output lacks %q:\n%s", kind, out)
		}
	}
	if !strings.Contains(out, "number formats: 100 numbers searched in 7 forms each") || !strings.Contains(out, ": 0 found different sets") {
		t.Errorf("bench search did not check the number formats:\n%s", out)
	}
	// Every kind found something in a catalogue this dense: the numbers row's median is not 0.
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 6 && (f[0] == "number" || f[0] == "name") && strings.HasPrefix(f[6], "0/") {
			t.Errorf("searches by %s found nothing: %s", f[0], line)
		}
	}
	for _, args := range [][]string{{"bench"}, {"bench", "load", "--data", dir}, {"bench", "search", "--queries", "0", "--data", dir}, {"bench", "nope"}} {
		if code, _, errOut := cli(t, args...); code != 2 || !strings.Contains(errOut, "hint") {
			t.Errorf("%v: exit %d %s, want a usage error with a hint", args, code, errOut)
		}
	}
}
