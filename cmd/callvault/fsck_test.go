package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// damage breaks the vault behind m in three ways, through its blob store (files or S3): one
// recording's blob is removed, another's is replaced by different bytes, and an orphan blob is
// added. It returns the recording IDs and the orphan's key.
func damage(t *testing.T, m *Main, ids []string) (missing, changed, orphan string) {
	t.Helper()
	ctx := context.Background()
	rec := func(id string) *callvault.Recording {
		r, err := m.Catalogue.Recording(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	put := func(key string, b []byte) {
		w, err := m.Blobs.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	missing, changed = ids[0], ids[1]
	if err := m.Blobs.Delete(ctx, rec(missing).BlobKey); err != nil {
		t.Fatal(err)
	}
	r := rec(changed)
	if err := m.Blobs.Delete(ctx, r.BlobKey); err != nil {
		t.Fatal(err)
	}
	put(r.BlobKey, make([]byte, r.StoredSize)) // same size, other bytes
	orphan = "recordings/2020/01/" + callvault.NewID() + ".age"
	put(orphan, []byte("left behind by a crash"))
	return missing, changed, orphan
}

func testFsck(t *testing.T, flags []string, m *Main) {
	ids := ingestN(t, m, 5, "fsck", time.Now())
	code, out, e := cli(t, append([]string{"fsck"}, flags...)...)
	if code != 0 || !strings.Contains(out, "checked 5 recordings") || !strings.Contains(out, "headers opened") || !strings.Contains(out, "0 problems") {
		t.Fatalf("fsck of a sound vault: exit %d %q %q", code, out, e)
	}
	missing, changed, orphan := damage(t, m, ids)
	code, out, e = cli(t, append([]string{"fsck"}, flags...)...)
	for _, want := range []string{"missing_blob recording " + missing, "blob_mismatch recording " + changed, "orphan_blob blob " + orphan, "3 problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("fsck output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 || !strings.Contains(e, "fsck found 3 problems") {
		t.Fatalf("fsck of a damaged vault: exit %d, stderr %q", code, e)
	}
	// --repair keeps a young orphan under the default grace, and removes it with --grace 0.
	_, out, _ = cli(t, append([]string{"fsck", "--repair"}, flags...)...)
	if !strings.Contains(out, "younger than the grace period") {
		t.Errorf("fsck --repair removed a young orphan:\n%s", out)
	}
	code, out, _ = cli(t, append([]string{"fsck", "--repair", "--grace", "0"}, flags...)...)
	if code != 1 || !strings.Contains(out, "orphan_blob blob "+orphan+": ") || !strings.Contains(out, "(repaired: removed)") || !strings.Contains(out, "2 problems, 1 repaired") {
		t.Fatalf("fsck --repair: exit %d\n%s", code, out)
	}
	if _, err := m.Blobs.Open(context.Background(), orphan); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Fatalf("orphan still there after --repair: %v", err)
	}
	_, out, _ = cli(t, append([]string{"audit", "export"}, flags...)...)
	if !strings.Contains(out, `"object":"blob:`+orphan+`"`) || !strings.Contains(out, "fsck --repair") {
		t.Errorf("the repair is not audited")
	}
	code, out, _ = cli(t, append([]string{"fsck", "--json"}, flags...)...)
	if code != 1 || strings.Count(out, `"kind":`) != 2 || !strings.Contains(out, `"summary"`) {
		t.Errorf("fsck --json: exit %d\n%s", code, out)
	}
}

func TestFsckEmbedded(t *testing.T) {
	data := t.TempDir()
	m := mainFor(t, "--data", data)
	testFsck(t, []string{"--data", data}, m)
}

func TestFsckPostgresS3(t *testing.T) {
	dbURL, blobURL, _ := scaleOut(t)
	keys := t.TempDir()
	common := []string{"--db", dbURL, "--blob", blobURL, "--keys", keys}
	m := mainFor(t, append([]string{"--data", t.TempDir()}, common...)...)
	testFsck(t, append([]string{"--data", t.TempDir()}, common...), m)
}
