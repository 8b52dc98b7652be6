package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

func checkpointValues(v *testVault) []callvault.Checkpoint {
	out := make([]callvault.Checkpoint, len(v.cat.checkpoints))
	for i, c := range v.cat.checkpoints {
		out[i] = *c
	}
	return out
}

func exportAll(t *testing.T, v *testVault, since time.Time) []byte {
	t.Helper()
	var buf bytes.Buffer
	res, err := Export(context.Background(), v.cat, since, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(buf.Bytes(), []byte("\n")); lines != res.Events || lines > 0 && res.Last-res.First+1 != int64(lines) {
		t.Fatalf("Export returned %+v but wrote %d lines", res, lines)
	}
	return buf.Bytes()
}

func TestExportIsJSONLinesAsMarshalled(t *testing.T) {
	v := newTestVault(t, 1205, 2)
	v.append(t, &callvault.AuditEvent{Time: t0, Actor: "user:o'brien <ob@example.com>", Action: callvault.ActionLogin,
		Detail: `{"ip":"127.0.0.1","note":"café & <tags>"}`})
	out := exportAll(t, v, time.Time{})
	sc := bufio.NewScanner(bytes.NewReader(out))
	i := 0
	for sc.Scan() {
		want, _ := json.Marshal(v.cat.events[i])
		if !bytes.Equal(sc.Bytes(), want) {
			t.Fatalf("line %d:\n got %s\nwant %s", i+1, sc.Bytes(), want)
		}
		i++
	}
	if i != 1206 {
		t.Errorf("exported %d events, want 1206", i)
	}
}

func TestExportSince(t *testing.T) {
	v := newTestVault(t, 100, 0) // event i+1 at t0 + i minutes
	out := exportAll(t, v, t0.Add(60*time.Minute))
	var first callvault.AuditEvent
	json.Unmarshal(out[:bytes.IndexByte(out, '\n')], &first)
	if first.Seq != 61 || bytes.Count(out, []byte("\n")) != 40 {
		t.Errorf("since filter: first seq %d, %d lines; want 61, 40", first.Seq, bytes.Count(out, []byte("\n")))
	}
}

// TestExportSinceIsContiguous: times are taken before the append lock, so under concurrency a
// later event can carry an earlier time. The export starts at the first event at or after since
// and keeps every later one, so a genuine export has no gap and verifies.
func TestExportSinceIsContiguous(t *testing.T) {
	v := newTestVault(t, 0, 0)
	// Seq:   1     2     3     4     5     6
	// Time: 0m   10m    9m   11m    8m   12m  (3 and 5 lost the race for the lock)
	for _, m := range []int{0, 10, 9, 11, 8, 12} {
		v.append(t, &callvault.AuditEvent{Time: t0.Add(time.Duration(m) * time.Minute), Actor: "system", Action: callvault.ActionServerStart})
	}
	out := exportAll(t, v, t0.Add(10*time.Minute))
	var seqs []int64
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var ev callvault.AuditEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, ev.Seq)
	}
	if want := []int64{2, 3, 4, 5, 6}; !slices.Equal(seqs, want) {
		t.Errorf("exported seqs %v, want %v", seqs, want)
	}
	rep, err := VerifyStream(bytes.NewReader(out), v.pub, nil, nil)
	if err != nil || !rep.OK() {
		t.Errorf("a genuine export with out-of-order times does not verify: %v%s", err, problemsString(rep))
	}
	// No event at or after since: nothing is exported.
	if out := exportAll(t, v, t0.Add(time.Hour)); len(out) != 0 {
		t.Errorf("export after the last event wrote %q", out)
	}
}

func TestVerifyStream(t *testing.T) {
	v := newTestVault(t, 95, 0)
	cps := checkpointValues(v)
	full := exportAll(t, v, time.Time{})

	rep, err := VerifyStream(bytes.NewReader(full), v.pub, cps, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("intact export: %v%s", err, problemsString(rep))
	}
	if rep.Events != 95 || rep.Checkpoints != 9 || rep.HeadSeq != 95 {
		t.Errorf("counts: events %d checkpoints %d head %d", rep.Events, rep.Checkpoints, rep.HeadSeq)
	}

	// A partial export, from event 41 on, verifies against the checkpoints it covers.
	partial := exportAll(t, v, t0.Add(40*time.Minute))
	if rep, err := VerifyStream(bytes.NewReader(partial), v.pub, cps, nil); err != nil || !rep.OK() || rep.Checkpoints != 5 {
		t.Errorf("partial export: %v checkpoints=%d%s", err, rep.Checkpoints, problemsString(rep))
	}

	lines := strings.SplitAfter(string(full), "\n")
	edit := func(i int, f func(*callvault.AuditEvent)) string {
		var ev callvault.AuditEvent
		json.Unmarshal([]byte(lines[i]), &ev)
		f(&ev)
		b, _ := json.Marshal(&ev)
		out := append([]string(nil), lines...)
		out[i] = string(b) + "\n"
		return strings.Join(out, "")
	}
	tests := []struct {
		name   string
		export string
		cps    []callvault.Checkpoint
		want   Problem
	}{
		{"edited actor", edit(29, func(e *callvault.AuditEvent) { e.Actor = "user:mallory" }), cps,
			Problem{Kind: ProblemEvent, Seq: 30, Message: "hash mismatch"}},
		{"edited and rehashed", edit(28, func(e *callvault.AuditEvent) { e.Actor = "user:mallory"; e.Hash = e.ComputeHash() }), cps,
			Problem{Kind: ProblemEvent, Seq: 30, Message: "prev_hash"}},
		{"line removed", strings.Join(append(append([]string(nil), lines[:50]...), lines[51:]...), ""), cps,
			Problem{Kind: ProblemEvent, Seq: 51, Message: "missing"}},
		{"tail cut below a checkpoint", strings.Join(lines[:85], ""), cps,
			Problem{Kind: ProblemCheckpoint, Seq: 90, Message: "deleted from the end"}},
		{"forged checkpoint", string(full), append(append([]callvault.Checkpoint(nil), cps...),
			*SignCheckpoint(mustKey(t), 95, v.cat.events[94].Hash, t0)),
			Problem{Kind: ProblemCheckpoint, Seq: 95, Message: "unknown key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := VerifyStream(strings.NewReader(tt.export), v.pub, tt.cps, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := rep.FirstProblem()
			if got == nil || got.Kind != tt.want.Kind || got.Seq != tt.want.Seq || !strings.Contains(got.Message, tt.want.Message) {
				t.Fatalf("first problem %v, want %v:%s", got, tt.want, problemsString(rep))
			}
		})
	}
}

func mustKey(t *testing.T) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVerifyStreamRejectsMalformedInput(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	for _, in := range []string{
		"not json\n",
		`{"seq":1,"time":"2026-11-03T09:00:00Z","actor":"system","action":"server.start","prev_hash":"00","hash":"ab"}` + "\n{",
		`{"seq":0,"hash":"ab"}`,
		`{"seq":1}`,
		`[1,2,3]`,
		strings.Repeat("x", 2<<20),
	} {
		_, err := VerifyStream(strings.NewReader(in), pub, nil, nil)
		if !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("%.40q: err = %v, want KindInvalid", in, err)
		}
	}
	if _, err := VerifyStream(strings.NewReader(""), nil, nil, nil); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("nil key: err = %v, want KindInvalid", err)
	}
	rep, err := VerifyStream(strings.NewReader("\n\n"), pub, nil, nil)
	if err != nil || !rep.OK() || rep.Events != 0 {
		t.Errorf("empty export: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestExportWriteError(t *testing.T) {
	v := newTestVault(t, 10, 0)
	if _, err := Export(context.Background(), v.cat, time.Time{}, failingWriter{}); err == nil {
		t.Error("write error swallowed")
	}
}

func jsonLine(ev *callvault.AuditEvent) ([]byte, error) {
	b, err := json.Marshal(ev)
	return append(b, '\n'), err
}

// TestVerifyStreamWithWitness: an auditor holding a witness file (kept apart from the database)
// finds a tail cut together with the checkpoint rows, which the export's own checkpoints miss.
func TestVerifyStreamWithWitness(t *testing.T) {
	v, w := witnessedVault(t, 95) // event i at t0 + (i-1) minutes; checkpoints at t0 + seconds
	var wit []callvault.Checkpoint
	for _, cp := range readWitness(t, w) {
		wit = append(wit, *cp)
	}
	full := exportAll(t, v, time.Time{})
	rep, err := VerifyStream(bytes.NewReader(full), v.pub, nil, wit)
	if err != nil || !rep.OK() || rep.Witnessed != 9 {
		t.Fatalf("intact export with the witness: %v witnessed=%d%s", err, rep.Witnessed, problemsString(rep))
	}

	// The log cut after event 85 and the checkpoint rows of 90 deleted, then exported.
	lines := strings.SplitAfter(string(full), "\n")
	cut := strings.Join(lines[:85], "")
	var cpsBefore []callvault.Checkpoint
	for _, cp := range checkpointValues(v) {
		if cp.Seq <= 85 {
			cpsBefore = append(cpsBefore, cp)
		}
	}
	if rep, _ := VerifyStream(strings.NewReader(cut), v.pub, cpsBefore, nil); !rep.OK() {
		t.Fatalf("without the witness the cut export was expected to pass:%s", problemsString(rep))
	}
	rep, _ = VerifyStream(strings.NewReader(cut), v.pub, cpsBefore, wit)
	if p := rep.FirstProblem(); p == nil || p.Kind != ProblemCheckpoint || p.Seq != 90 ||
		!strings.Contains(p.Message, "the log ends at event 85 but the witness file holds a checkpoint for event 90") {
		t.Fatalf("cut export with the witness: first problem %v:%s", p, problemsString(rep))
	}

	// As in practice: event 90 was checkpointed (witnessed) at 2h, the tail and checkpoint rows
	// were cut to 85, and `audit export --checkpoints` signed the head (85) at 3h before reading.
	// The witness's checkpoint predates the export: the export lacks events the log had.
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	exportCP := *SignCheckpoint(v.key, 85, v.cat.events[84].Hash, at(3))
	witnessed90 := *SignCheckpoint(v.key, 90, v.cat.events[89].Hash, at(2))
	rep, _ = VerifyStream(strings.NewReader(cut), v.pub, append(cpsBefore, exportCP), []callvault.Checkpoint{witnessed90})
	if p := rep.FirstProblem(); p == nil || p.Seq != 90 || !strings.Contains(p.Message, "before the export was read") {
		t.Errorf("cut export dated by its own checkpoint: first problem %v:%s", p, problemsString(rep))
	}
	// A witness copied after the export holds checkpoints signed after it was read: counted,
	// not a problem.
	later := *SignCheckpoint(v.key, 90, v.cat.events[89].Hash, at(4))
	rep, _ = VerifyStream(strings.NewReader(cut), v.pub, append(cpsBefore, exportCP), []callvault.Checkpoint{later})
	if !rep.OK() || rep.WitnessNewer != 1 {
		t.Errorf("newer witness: newer=%d%s", rep.WitnessNewer, problemsString(rep))
	}

	// An export rewritten from event 29 on, its own checkpoints dropped: the witness disagrees.
	var evs []*callvault.AuditEvent
	for _, l := range lines[:95] {
		var ev callvault.AuditEvent
		json.Unmarshal([]byte(l), &ev)
		evs = append(evs, &ev)
	}
	evs[28].Actor = "user:mallory"
	var rewritten bytes.Buffer
	for i, ev := range evs {
		if i >= 28 {
			ev.PrevHash = evs[i-1].Hash
			ev.Hash = ev.ComputeHash()
		}
		b, _ := json.Marshal(ev)
		rewritten.Write(append(b, '\n'))
	}
	rep, _ = VerifyStream(&rewritten, v.pub, nil, wit)
	if p := rep.FirstProblem(); p == nil || p.Seq != 30 || !strings.Contains(p.Message, "the witness file's checkpoint") {
		t.Errorf("rewritten export: first problem %v:%s", p, problemsString(rep))
	}
}
