package postgres

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestOpenUnreachable(t *testing.T) {
	const secret = "s3cr3t-Passw0rd"
	addr := closedPort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, url := range []string{
		"postgres://callvault:" + secret + "@" + addr + "/callvault?sslmode=disable",
		"postgres://callvault@" + addr + "/callvault?sslmode=disable&password=" + secret,
	} {
		_, err := Open(ctx, url)
		if !callvault.IsKind(err, callvault.KindUnavailable) {
			t.Fatalf("Open(unreachable) = %v (kind %q), want kind unavailable", err, callvault.ErrorKind(err))
		}
		if !strings.Contains(err.Error(), addr) {
			t.Errorf("error %q does not name %s", err, addr)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(callvault.ErrorMessage(err), secret) {
			t.Errorf("error leaks the password: %q", err)
		}
	}
}

func TestOpenMalformedURL(t *testing.T) {
	const secret = "s3cr3t-Passw0rd"
	for _, url := range []string{
		"postgres://callvault:" + secret + "@127.0.0.1:notaport/db",
		"postgres://callvault@127.0.0.1/db?sslmode=bogus&password=" + secret,
	} {
		_, err := Open(context.Background(), url)
		if !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("Open(%q) = %v (kind %q), want kind invalid", strings.ReplaceAll(url, secret, "xxxxx"), err, callvault.ErrorKind(err))
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks the password: %q", err)
		}
	}
}

func TestClosedIsUnavailable(t *testing.T) {
	db := openTest(t, pgtest.NewTestDatabase(t))
	db.Close()
	ctx := context.Background()
	if err := db.Ping(ctx); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("Ping after Close = %v (kind %q), want unavailable", err, callvault.ErrorKind(err))
	}
	_, err := db.Recording(ctx, callvault.NewID())
	if !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("Recording after Close = %v (kind %q), want unavailable", err, callvault.ErrorKind(err))
	}
	err = db.AppendAudit(ctx, &callvault.AuditEvent{Time: time.Now(), Actor: "system", Action: callvault.ActionServerStop})
	if !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("AppendAudit after Close = %v (kind %q), want unavailable", err, callvault.ErrorKind(err))
	}
}

// A schema in search_path that does not exist is a configuration mistake, reported as such.
func TestOpenMissingSchema(t *testing.T) {
	url := pgtest.NewTestDatabase(t)
	_, err := Open(context.Background(), withQuery(t, url, "search_path", "no_such_schema"))
	if !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("Open(missing schema) = %v (kind %q), want invalid", err, callvault.ErrorKind(err))
	}
}
