// Package pgtest gives tests fresh PostgreSQL databases and schemas on the server named by
// CALLVAULT_TEST_PG. It is kept apart from internal/postgres so that the production catalogue
// does not import "testing".
//
// Without CALLVAULT_TEST_PG a test that asks for a database is skipped, or fails when
// CALLVAULT_TEST_REQUIRE_EXTERNAL=1, so that CI cannot silently skip it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault/internal/testenv"
)

// TestURLEnv names the environment variable with the URL of a PostgreSQL server for tests; the
// tests create their own databases there.
const TestURLEnv = testenv.Postgres

// NewTestDatabase creates a fresh, empty database on the server named by CALLVAULT_TEST_PG and
// returns its URL; the database is dropped when the test ends. Without CALLVAULT_TEST_PG the test
// is skipped, or fails if CALLVAULT_TEST_REQUIRE_EXTERNAL=1.
func NewTestDatabase(t testing.TB) string {
	t.Helper()
	admin := testServerURL(t)
	name := "callvault_test_" + randomSuffix(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect to the %s server: %s", TestURLEnv, redact(err, admin))
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create test database: %s", redact(err, admin))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: connect to drop test database %s: %s", name, redact(err, admin))
			return
		}
		defer conn.Close(ctx)
		// FORCE ends connections a test left open (PostgreSQL 13 and later).
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop test database %s: %s", name, redact(err, admin))
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL", TestURLEnv)
	}
	u.Path = "/" + name
	return u.String()
}

// NewTestSchema creates a fresh, empty schema in the database at dbURL (for example one made by
// NewTestDatabase) and returns a URL whose search_path selects it. Creating a schema is much
// faster than creating a database, so suites that need many empty catalogues use one each.
func NewTestSchema(t testing.TB, dbURL string) string {
	t.Helper()
	name := "s_" + randomSuffix(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("pgtest: connect to the test database: %s", redact(err, dbURL))
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("pgtest: create test schema: %s", redact(err, dbURL))
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("pgtest: the test database URL is not a URL")
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// testServerURL returns CALLVAULT_TEST_PG or skips (or fails) the test.
func testServerURL(t testing.TB) string {
	t.Helper()
	return testenv.Get(t, TestURLEnv)
}

func randomSuffix(t testing.TB) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b[:])
}

// redact returns err's text with the password of rawURL (in its user info or its password
// parameter) replaced, so that a test log never shows it.
func redact(err error, rawURL string) string {
	s := err.Error()
	u, perr := url.Parse(rawURL)
	if perr != nil {
		return s
	}
	p, _ := u.User.Password()
	for _, secret := range []string{p, u.Query().Get("password")} {
		if secret == "" {
			continue
		}
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			s = strings.ReplaceAll(s, form, "xxxxx")
		}
	}
	return s
}
