package pgtest

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestRedact(t *testing.T) {
	const secret = "s3cr3t/Pass word"
	for _, raw := range []string{
		"postgres://u:" + url.PathEscape(secret) + "@127.0.0.1:5432/db",
		"postgres://u@127.0.0.1:5432/db?password=" + url.QueryEscape(secret),
	} {
		err := errors.New("failed: " + secret + " / " + url.QueryEscape(secret) + " / " + url.PathEscape(secret))
		got := redact(err, raw)
		if strings.Contains(got, "s3cr3t") {
			t.Errorf("redact(%q) = %q still shows the password", raw, got)
		}
	}
	if got := redact(errors.New("plain"), "postgres://127.0.0.1/db"); got != "plain" {
		t.Errorf("redact without a password = %q, want the text unchanged", got)
	}
}

// The database and the schema are fresh, usable, selected by the returned URLs, and the
// database is gone once its test has ended.
func TestDatabaseAndSchema(t *testing.T) {
	var dbURL string
	t.Run("use", func(t *testing.T) {
		dbURL = NewTestDatabase(t)
		schemaURL := NewTestSchema(t, dbURL)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, schemaURL)
		if err != nil {
			t.Fatalf("connect to the test schema: %s", redact(err, schemaURL))
		}
		defer conn.Close(ctx)
		var db, schema string
		if err := conn.QueryRow(ctx, "SELECT current_database(), current_schema()").Scan(&db, &schema); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(db, "callvault_test_") || !strings.HasPrefix(schema, "s_") {
			t.Errorf("connected to database %q schema %q, want fresh ones", db, schema)
		}
		var tables int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = $1", schema).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("fresh schema has %d tables", tables)
		}
	})
	if dbURL == "" {
		return // skipped
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin := testServerURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect: %s", redact(err, admin))
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("test database %s still exists after its test ended", name)
	}
}
