package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/google/go-cmp/cmp"
)

// spoolCall is one generated FreePBX recording and what the vault must make of it.
type spoolCall struct {
	file, dir   string
	uniqueid    string
	local       time.Time
	kind        string
	did, caller string // inbound: DID and caller ID
	ext         string // the extension that answered or dialled
	dialled     string // outbound
	name        string // caller's name in the CDR's clid
	announce    string // CDR userfield evidence: yes, no or "" (unknown)
	noCDR       bool   // the CDR has no record (the call is still going on)
}

// csvQuote writes a Master.csv string field as cdr_csv does: always quoted, quotes doubled.
func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// cdrLine is the call's record in cdr_csv's column order.
func (c *spoolCall) cdrLine(loc *time.Location) string {
	start := c.local.Add(-5 * time.Second)
	answer, end := c.local, c.local.Add(90*time.Second)
	var src, dst, clid, channel, dstchannel string
	switch c.kind {
	case "in", "q":
		src, dst = c.caller, c.did
		clid = fmt.Sprintf(`"%s" <%s>`, c.name, c.caller)
		channel, dstchannel = "PJSIP/trunk-0000"+c.uniqueid[len(c.uniqueid)-3:], "PJSIP/"+c.ext+"-0000abcd"
	case "out":
		src, dst = c.ext, c.dialled
		clid = fmt.Sprintf(`"%s" <%s>`, c.name, c.ext)
		channel, dstchannel = "PJSIP/"+c.ext+"-0000abcd", "PJSIP/trunk-0000ffff"
	}
	userfield := ""
	if c.announce != "" {
		userfield = "announcement=" + c.announce
	}
	f := []string{csvQuote(""), csvQuote(src), csvQuote(dst), csvQuote("from-trunk"), csvQuote(clid), csvQuote(channel),
		csvQuote(dstchannel), csvQuote("Dial"), csvQuote("PJSIP/" + c.ext + ",,tr"),
		csvQuote(start.In(loc).Format(time.DateTime)), csvQuote(answer.In(loc).Format(time.DateTime)), csvQuote(end.In(loc).Format(time.DateTime)),
		"95", "90", csvQuote("ANSWERED"), csvQuote("DOCUMENTATION"), csvQuote(c.uniqueid), csvQuote(userfield)}
	return strings.Join(f, ",")
}

// genSpool writes a spool of n calls over four days, its Master.csv (in random order, with a
// NO ANSWER leg for some calls, as Asterisk writes for forked calls), malformed files, a file in
// the wrong folder and one still being written. It returns the calls that must be stored.
func genSpool(t *testing.T, root string, n int) (calls []*spoolCall, cdrPath string, mustNot []string) {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	old := time.Now().Add(-time.Hour)
	day0 := time.Now().In(loc).AddDate(0, 0, -4).Truncate(time.Hour)
	kinds := []string{"in", "out", "q", "in"}
	var lines []string
	write := func(dir, file string, data []byte, mod time.Time) string {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for i := range n {
		local := day0.Add(time.Duration(i) * 23 * time.Minute).In(loc)
		c := &spoolCall{
			uniqueid: fmt.Sprintf("%d.%d", local.Unix()-5, i), local: local, kind: kinds[i%len(kinds)],
			ext: fmt.Sprintf("%d", 201+i%7), name: fmt.Sprintf("Caller %d", i),
			did: "02079460000", caller: fmt.Sprintf("07700900%03d", i%1000), dialled: fmt.Sprintf("07700901%03d", i%1000),
		}
		c.announce = []string{"yes", "no", ""}[i%3]
		switch c.kind {
		case "in":
			c.file = fmt.Sprintf("in-%s-%s-%s-%s.wav", c.did, c.caller, local.Format("20060102-150405"), c.uniqueid)
		case "q":
			c.file = fmt.Sprintf("q-400-%s-%s-%s.wav", c.caller, local.Format("20060102-150405"), c.uniqueid)
		case "out":
			c.file = fmt.Sprintf("out-%s-%s-%s-%s.wav", c.dialled, c.ext, local.Format("20060102-150405"), c.uniqueid)
			c.name = fmt.Sprintf("Staff %s", c.ext)
		}
		c.dir = filepath.Join(root, local.Format("2006/01/02"))
		wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 0.02+float64(rng.IntN(5))/100)
		write(c.dir, c.file, wav, old)
		if i == 17 {
			c.noCDR = true // its call has not ended: waits for a later run
		}
		if !c.noCDR {
			lines = append(lines, c.cdrLine(loc))
			if i%5 == 0 {
				missed := *c
				missed.ext = "299"
				lines = append(lines, strings.Replace(missed.cdrLine(loc), `"ANSWERED"`, `"NO ANSWER"`, 1))
			}
		}
		calls = append(calls, c)
	}
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	lines = append(lines, `"broken","line`) // a damaged line costs only itself
	cdrPath = filepath.Join(t.TempDir(), "Master.csv")
	if err := os.WriteFile(cdrPath, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 0.02)
	dir := calls[3].dir
	mustNot = []string{
		write(dir, "in-020-7946-0000-07700900123-"+calls[3].local.Format("20060102-150405")+"-1.1.wav", wav, old), // ambiguous
		write(dir, "voicemail-201-20261201-1.2.wav", wav, old),
		write(dir, "notes.txt", []byte("not a recording"), old),
		write(filepath.Join(root, "misfiled"), calls[4].file, wav, old), // not in its date's folder
		// still being written: changed just now
		write(dir, fmt.Sprintf("in-%s-07700900999-%s-%d.99.wav", "02079460000", calls[3].local.Format("20060102-150405"), calls[3].local.Unix()), wav, time.Now()),
	}
	var stored []*spoolCall
	for _, c := range calls {
		if !c.noCDR {
			stored = append(stored, c)
		}
	}
	return stored, cdrPath, mustNot
}

// vaultSummary is what a vault holds, by source ID, for comparing two imports.
type vaultRec struct {
	Started              time.Time
	Direction            callvault.Direction
	Line                 string
	Extensions, External []string
	Parties              []callvault.Party
	Announcement         callvault.Announcement
	SHA                  string
}

func vaultSummary(t *testing.T, data string) map[string]vaultRec {
	t.Helper()
	m, err := openMain(context.Background(), testEnv(os.Stdout, os.Stderr), mustFlags(t, "--data", data))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	out := map[string]vaultRec{}
	after := ""
	for {
		rs, err := m.Catalogue.ListRecordings(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 {
			return out
		}
		for _, r := range rs {
			v := vaultRec{Started: r.StartedAt, Direction: r.Direction, Line: r.Line, Extensions: r.Extensions,
				Parties: r.Parties, Announcement: r.AnnouncementPlayed, SHA: r.PlainSHA256}
			for _, n := range r.ExternalNumbers {
				v.External = append(v.External, n.E164)
			}
			if r.Source != callvault.SourceImport {
				t.Errorf("%s has source %s", r.SourceID, r.Source)
			}
			out[r.SourceID] = v
		}
		after = rs[len(rs)-1].ID
	}
}

func e164(national string) string { return "+44" + strings.TrimPrefix(national, "0") }

// sourceID is c's source ID: its uniqueid and the name's fields that hold no party.
func (c *spoolCall) sourceID() string {
	return "freepbx/" + c.uniqueid + "/" + c.kind + "-" + c.local.Format("20060102-150405")
}

// wantRec is what call c must be in the vault.
func (c *spoolCall) want() vaultRec {
	v := vaultRec{Started: c.local.UTC(), Announcement: callvault.AnnouncementUnknown}
	if c.announce != "" {
		v.Announcement = callvault.Announcement(c.announce)
	}
	switch c.kind {
	case "in", "q":
		v.Direction, v.Extensions, v.External = callvault.DirectionInbound, []string{c.ext}, []string{e164(c.caller)}
		v.Line = c.did
		if c.kind == "q" {
			v.Line = "queue 400"
		}
		v.Parties = []callvault.Party{
			{Name: c.name, Number: callvault.Number{E164: e164(c.caller), Raw: c.caller}, Role: callvault.RoleCaller},
			{Number: callvault.Number{Raw: c.ext}, Role: callvault.RoleCallee}}
	case "out":
		v.Direction, v.Extensions, v.External = callvault.DirectionOutbound, []string{c.ext}, []string{e164(c.dialled)}
		v.Parties = []callvault.Party{
			{Name: c.name, Number: callvault.Number{Raw: c.ext}, Role: callvault.RoleCaller},
			{Number: callvault.Number{E164: e164(c.dialled), Raw: c.dialled}, Role: callvault.RoleCallee}}
	}
	return v
}

func TestImportFreePBXSpool(t *testing.T) {
	spool, data := t.TempDir(), t.TempDir()
	calls, cdr, mustNot := genSpool(t, spool, 240)
	refusedCall := calls[10] // on the payment line
	args := []string{"import", "freepbx", "--data", data, "--spool", spool, "--cdr", cdr, "--tz", "Europe/London",
		"--settle", "1m", "--unrecorded", refusedCall.ext}
	code, out, errOut := cli(t, args...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (malformed files are failures)\n%s", code, errOut)
	}
	var stored []*spoolCall
	for _, c := range calls {
		if c.ext != refusedCall.ext {
			stored = append(stored, c)
		}
	}
	if n := strings.Count(out, "\tstored\t"); n != len(stored) {
		t.Errorf("stored %d files, want %d", n, len(stored))
	}
	for _, p := range mustNot {
		if strings.Contains(out, p) {
			t.Errorf("%s was imported", p)
		}
		if !strings.Contains(errOut, filepath.Base(p)) && !strings.HasSuffix(p, "misfiled/"+calls[4].file) {
			t.Errorf("stderr does not name %s:\n%s", p, errOut)
		}
	}
	for _, want := range []string{"a party field holds '-'", "in folder \"misfiled\"", "still being written",
		"has no record of call", "Master.csv line", "unrecorded line \"" + refusedCall.ext + "\"",
		fmt.Sprintf("%d stored, 0 already stored, %d refused, 2 waiting, 4 failed", len(stored), len(calls)-len(stored))} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	// The refusals are audited without the file names, which hold the callers' numbers.
	_, export, _ := cli(t, "audit", "export", "--data", data, "--since", "2000-01-01")
	refusals := 0
	for _, line := range strings.Split(export, "\n") {
		if !strings.Contains(line, `"import.refused"`) {
			continue
		}
		refusals++
		if strings.Contains(line, ".wav") || strings.Contains(line, refusedCall.caller) || strings.Contains(line, refusedCall.dialled) {
			t.Errorf("an import.refused event names the file or a number: %s", line)
		}
	}
	if refusals != len(calls)-len(stored) {
		t.Errorf("%d import.refused events, want %d", refusals, len(calls)-len(stored))
	}
	got := vaultSummary(t, data)
	want := map[string]vaultRec{}
	for _, c := range stored {
		want[c.sourceID()] = c.want()
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
		cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".SHA" }, cmp.Ignore())); diff != "" {
		t.Errorf("vault (-want +got):\n%s", diff)
	}

	// A second run stores nothing new.
	code, out, errOut = cli(t, args...)
	if n := strings.Count(out, "\tstored\t"); n != 0 || code != 1 || !strings.Contains(errOut, fmt.Sprintf("0 stored, %d already stored", len(stored))) {
		t.Errorf("second run: exit %d, %d stored\n%s", code, n, errOut)
	}

	// A run killed half-way, then run again, ends as the uninterrupted one did.
	data2 := t.TempDir()
	exe, _ := os.Executable()
	cmd := exec.Command(exe, append([]string{"import", "freepbx", "--data", data2}, args[4:]...)...)
	cmd.Env = append(os.Environ(), "CALLVAULT_E2E_EXEC=1")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for n := 0; n < len(stored)/2 && sc.Scan(); {
		if strings.Contains(sc.Text(), "\tstored\t") {
			n++
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if half := vaultSummary(t, data2); len(half) == 0 || len(half) >= len(stored) {
		t.Fatalf("the killed run stored %d of %d", len(half), len(stored))
	}
	cli(t, append([]string{"import", "freepbx", "--data", data2}, args[4:]...)...)
	if diff := cmp.Diff(got, vaultSummary(t, data2), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("resumed import differs from the uninterrupted one (-uninterrupted +resumed):\n%s", diff)
	}
}

func TestImportFreePBXDeleteSource(t *testing.T) {
	spool, data := t.TempDir(), t.TempDir()
	calls, cdr, _ := genSpool(t, spool, 8)
	code, out, errOut := cli(t, "import", "freepbx", "--data", data, "--spool", spool, "--cdr", cdr, "--tz", "Europe/London",
		"--settle", "1m", "--delete-source")
	if n := strings.Count(out, "\tdeleted\t"); n != len(calls) {
		t.Fatalf("exit %d: %d deleted, want %d\n%s\n%s", code, n, len(calls), out, errOut)
	}
	for _, c := range calls {
		if _, err := os.Stat(filepath.Join(c.dir, c.file)); !os.IsNotExist(err) {
			t.Errorf("%s was not deleted: %v", c.file, err)
		}
	}
	if got := vaultSummary(t, data); len(got) != len(calls) {
		t.Errorf("vault holds %d, want %d", len(got), len(calls))
	}
	var left []string
	filepath.Walk(spool, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			left = append(left, filepath.Base(p))
		}
		return nil
	})
	sort.Strings(left)
	if len(left) != 5 || !bytes.Contains([]byte(strings.Join(left, " ")), []byte("notes.txt")) {
		t.Errorf("left in the spool: %v; want the malformed, the waiting and the misfiled", left)
	}
}

// --delete-source deletes nothing whose stored copy does not read back: a recording stored by an
// earlier run whose blob has since gone keeps its source file; the others are deleted.
func TestImportFreePBXDeleteSourceKeepsUnverified(t *testing.T) {
	spool, data := t.TempDir(), t.TempDir()
	calls, cdr, _ := genSpool(t, spool, 8)
	args := []string{"import", "freepbx", "--data", data, "--spool", spool, "--cdr", cdr, "--tz", "Europe/London", "--settle", "1m"}
	if code, out, errOut := cli(t, args...); strings.Count(out, "\tstored\t") != len(calls) {
		t.Fatalf("first run, exit %d:\n%s\n%s", code, out, errOut)
	}
	m := mainFor(t, "--data", data)
	rs, err := m.Catalogue.ListRecordings(context.Background(), "", 100)
	if err != nil || len(rs) != len(calls) {
		t.Fatalf("vault holds %d (%v), want %d", len(rs), err, len(calls))
	}
	lost := rs[0]
	if err := m.Blobs.Delete(context.Background(), lost.BlobKey); err != nil {
		t.Fatal(err)
	}
	m.Close()

	_, out, errOut := cli(t, append(args, "--delete-source")...)
	if n := strings.Count(out, "\tdeleted\t"); n != len(calls)-1 {
		t.Errorf("%d deleted, want %d (all but the one whose blob is gone)\n%s\n%s", n, len(calls)-1, out, errOut)
	}
	for _, c := range calls {
		_, err := os.Stat(filepath.Join(c.dir, c.file))
		kept := err == nil
		if want := lost.SourceID == c.sourceID(); kept != want {
			t.Errorf("%s: kept %v, want %v (stat: %v)", c.file, kept, want, err)
		}
	}
	if !strings.Contains(errOut, "the source is kept") {
		t.Errorf("stderr does not say why the file was kept:\n%s", errOut)
	}
}

// A spool given as a link to its folder (/var/spool/asterisk/monitor often is one) is imported
// like the folder; nothing was found through the link before.
func TestImportFreePBXSymlinkedSpool(t *testing.T) {
	spool, data := filepath.Join(t.TempDir(), "monitor"), t.TempDir()
	if err := os.Symlink(t.TempDir(), spool); err != nil {
		t.Fatal(err)
	}
	calls, cdr, _ := genSpool(t, spool, 8)
	code, out, errOut := cli(t, "import", "freepbx", "--data", data, "--spool", spool, "--cdr", cdr, "--tz", "Europe/London", "--settle", "1m")
	if n := strings.Count(out, "\tstored\t"); n != len(calls) {
		t.Fatalf("exit %d: %d stored, want %d\n%s\n%s", code, n, len(calls), out, errOut)
	}
}
