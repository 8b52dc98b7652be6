package postgres

import (
	"context"
	"fmt"
	neturl "net/url"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// The audit chain must not depend on the server's default isolation: with the database's
// default set to repeatable read, a transaction that waits for the audit lock would read the
// head from a snapshot older than the holder's commit and pick a taken seq. Concurrent creates
// from two nodes must all succeed and form one chain.
func TestConcurrentCreatesUnderRepeatableReadDefault(t *testing.T) {
	url := pgtest.NewTestDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	var name string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" SET default_transaction_isolation = 'repeatable read'"); err != nil {
		t.Fatalf("set the default isolation: %v", err)
	}
	conn.Close(ctx)

	nodes := []*DB{openTest(t, url), openTest(t, url)}
	var level string
	if err := nodes[0].pool.QueryRow(ctx, "SHOW default_transaction_isolation").Scan(&level); err != nil || level != "repeatable read" {
		t.Fatalf("default isolation of a new session = %q (%v), want repeatable read", level, err)
	}
	const perNode, workers = 50, 5
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make(chan error, 2*perNode)
	)
	for n, db := range nodes {
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := 0; i < perNode/workers; i++ {
					r := testRecording(fmt.Sprintf("rr-node%d-w%d-%d", n, w, i))
					ev := &callvault.AuditEvent{Actor: fmt.Sprintf("node:%d", n), Action: callvault.ActionRecordingIngest, Object: r.ID}
					if err := db.CreateRecording(ctx, r, ev); err != nil {
						errs <- fmt.Errorf("node %d: CreateRecording: %w", n, err)
					}
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed <= 3 {
			t.Error(err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d concurrent creates failed", failed, 2*perNode)
	}
	evs := readAll(t, nodes[1])
	if len(evs) != 2*perNode {
		t.Fatalf("%d audit events, want %d", len(evs), 2*perNode)
	}
	checkChain(t, evs)
}

// A unique violation on the audit log's key is a collision of two appends, not a recording that
// exists: callers must see a retryable error, never the conflict that makes ingest answer 409.
func TestAuditKeyViolationIsNotAConflict(t *testing.T) {
	err := &pgconn.PgError{Code: codeUniqueViolation, ConstraintName: auditPrimaryKey, Message: "duplicate key value violates unique constraint"}
	if !retryable(err) {
		t.Error("a unique violation on the audit log's key is not retried")
	}
	got := translate(err, "postgres: create recording")
	if callvault.IsKind(got, callvault.KindConflict) || !callvault.IsKind(got, callvault.KindUnavailable) {
		t.Errorf("translate(audit key violation) = %v (kind %q), want unavailable", got, callvault.ErrorKind(got))
	}
	other := &pgconn.PgError{Code: codeUniqueViolation, ConstraintName: "recordings_source_source_id_key"}
	if got := translate(other, "postgres: create recording"); !callvault.IsKind(got, callvault.KindConflict) || retryable(other) {
		t.Errorf("translate(source id violation) = %v, want a conflict that is not retried", got)
	}
}

// Every connection gets the session limits that keep one stalled node from holding the audit
// lock for ever, and a URL that sets one of them wins.
func TestSessionDefaults(t *testing.T) {
	url := pgtest.NewTestDatabase(t)
	show := func(db *DB, name string) string {
		t.Helper()
		var v string
		if err := db.pool.QueryRow(context.Background(), "SELECT current_setting($1)", name).Scan(&v); err != nil {
			t.Fatalf("current_setting(%s): %v", name, err)
		}
		return v
	}
	db := openTest(t, url)
	for name, want := range map[string]string{"idle_in_transaction_session_timeout": "20s", "lock_timeout": "30s", "statement_timeout": "5min"} {
		if got := show(db, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("lock_timeout", "7s")
	u.RawQuery = q.Encode()
	custom := openTest(t, u.String())
	if got := show(custom, "lock_timeout"); got != "7s" {
		t.Errorf("lock_timeout set in the URL = %q, want 7s", got)
	}
}
