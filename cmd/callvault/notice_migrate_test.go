package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

// The recording notice's versions move with the vault: the target asks for the same version
// its people acknowledged on the source, with the same history; a second run copies nothing.
func TestMigrateCopiesNoticeVersions(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	src := mainFor(t, "--data", data)
	op := &callvault.Principal{Kind: callvault.PrincipalToken, Actor: "cli:test"}
	if _, err := src.Identity.SaveNotice(ctx, op, identity.NoticeEdit{From: identity.DefaultNotice.Version, Text: "A new notice.", Note: "shorter"}); err != nil {
		t.Fatal(err)
	}
	ingestN(t, src, 1, "notice", time.Now().Add(-time.Hour))
	dstCfg := embeddedTarget(t)
	rep, err := migrate(ctx, src, dstCfg, "cli:test", func(int, int) {})
	if err != nil || rep.Notices != 2 {
		t.Fatalf("migrate: %d versions copied, %v; want 2", rep.Notices, err)
	}
	if rep, err := migrate(ctx, src, dstCfg, "cli:test", func(int, int) {}); err != nil || rep.Notices != 0 {
		t.Errorf("second run: %d versions, %v; want none", rep.Notices, err)
	}
	dst := mainFor(t, "--data", dstCfg.Data, "--keys", filepath.Join(data, "keys"))
	n, err := dst.Identity.CurrentNotice(ctx)
	if err != nil || n.Version != identity.DefaultNotice.Version+1 || n.Text != "A new notice." {
		t.Errorf("the target's current notice: %+v %v", n, err)
	}
	vs, err := dst.Identity.NoticeVersions(ctx)
	if err != nil || len(vs) != 2 || vs[0].Note != "shorter" || vs[0].Author != "cli:test" {
		t.Errorf("the target's versions: %v %v", vs, err)
	}
}
