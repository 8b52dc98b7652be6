package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/migrations"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

func TestMigrationsEmbedded(t *testing.T) {
	ms, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	// Versions increase from 1 (Load orders them and refuses duplicates); gaps are allowed, so
	// that parallel work can take separate ranges (0010_..., 0020_...).
	if ms[0].Version != 1 {
		t.Errorf("the first migration is %s, want version 1", ms[0].Name)
	}
}

// Several nodes starting at once on an empty database apply each migration exactly once.
func TestMigrateConcurrentNodes(t *testing.T) {
	url := pgtest.NewTestDatabase(t)
	const nodes = 4
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		dbs   = make([]*DB, nodes)
		errs  = make([]error, nodes)
	)
	for i := 0; i < nodes; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			dbs[i], errs[i] = Open(context.Background(), url)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open on node %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	ms, _ := migrations.Load(migrationFiles, "migrations")
	var n, max int
	err := dbs[0].pool.QueryRow(context.Background(), "SELECT count(*), max(version) FROM schema_migrations").Scan(&n, &max)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	if n != len(ms) || max != ms[len(ms)-1].Version {
		t.Errorf("schema_migrations has %d rows up to version %d, want %d up to %d", n, max, len(ms), ms[len(ms)-1].Version)
	}
	// Every node can use the schema.
	for i, db := range dbs {
		if _, err := db.AuditHead(context.Background()); err != nil {
			t.Errorf("node %d: AuditHead: %v", i, err)
		}
	}
}

// A database migrated by a newer callvault is refused rather than used with the wrong schema.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	url := pgtest.NewTestDatabase(t)
	db := openTest(t, url)
	if _, err := db.pool.Exec(context.Background(), "INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')"); err != nil {
		t.Fatalf("insert future migration: %v", err)
	}
	_, err := Open(context.Background(), url)
	if err == nil {
		t.Fatal("Open succeeded on a database with a newer schema")
	}
	if !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), "upgrade") {
		t.Errorf("Open error %q does not name the schema version and the remedy", err)
	}
	if callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("Open error kind %q: a schema mismatch is not a connectivity problem", callvault.ErrorKind(err))
	}
}
