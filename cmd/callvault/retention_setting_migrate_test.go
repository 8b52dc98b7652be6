package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

// The retention period set in the browser moves with the vault: the target keeps it in force
// (not its configuration's 6 months, which would move every deletion date back); a second run
// copies nothing.
func TestMigrateCopiesRetentionPeriod(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	src := mainFor(t, "--data", data)
	if _, err := src.Retention.Set(ctx, "user:dan", retention.SettingChange{From: 6, Months: 4, Reason: "board"}); err != nil {
		t.Fatal(err)
	}
	ingestN(t, src, 1, "period", time.Now().Add(-time.Hour))
	dstCfg := embeddedTarget(t)
	rep, err := migrate(ctx, src, dstCfg, "cli:test", func(int, int) {})
	if err != nil || rep.RetentionPeriods != 1 {
		t.Fatalf("migrate: %d versions copied, %v; want 1", rep.RetentionPeriods, err)
	}
	if rep, err := migrate(ctx, src, dstCfg, "cli:test", func(int, int) {}); err != nil || rep.RetentionPeriods != 0 {
		t.Errorf("second run: %d versions, %v; want none", rep.RetentionPeriods, err)
	}
	dst := mainFor(t, "--data", dstCfg.Data, "--keys", filepath.Join(data, "keys"))
	if months, err := dst.Retention.Months(ctx); err != nil || months != 4 {
		t.Errorf("the target's period: %d %v, want 4", months, err)
	}
	vs, err := dst.Retention.History(ctx)
	if err != nil || len(vs) != 1 || vs[0].Reason != "board" || vs[0].Author != string(callvault.Actor("user:dan")) {
		t.Errorf("the target's versions: %v %v", vs, err)
	}
}
