package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// StartMariaDB starts a MariaDB server of its own (temp datadir, a free loopback port, no
// grant tables) for t and returns a DSN of the given empty database on it, without password.
// The server is stopped when t ends. Skipped (failed under RequireExternal=1) without
// CALLVAULT_TEST_MARIADB.
func StartMariaDB(t testing.TB, dbname string) string {
	t.Helper()
	server := Get(t, MariaDB)
	dir, err := os.MkdirTemp("", "mdb") // short: a socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data := filepath.Join(dir, "data")
	install, err := exec.LookPath(filepath.Join(filepath.Dir(server), "..", "bin", "mariadb-install-db"))
	if err != nil {
		install, err = exec.LookPath("mariadb-install-db")
	}
	if err != nil {
		install, err = exec.LookPath("mysql_install_db")
	}
	if err != nil {
		t.Fatalf("mariadb-install-db not found next to %s: %v", server, err)
	}
	args := []string{"--no-defaults", "--datadir=" + data, "--skip-test-db", "--auth-root-authentication-method=normal"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", install, err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	sargs := []string{"--no-defaults", "--datadir=" + data, "--socket=" + filepath.Join(dir, "sock"),
		"--pid-file=" + filepath.Join(dir, "pid"), "--port=" + fmt.Sprint(port), "--bind-address=127.0.0.1",
		"--skip-grant-tables", "--skip-name-resolve", "--log-error=" + filepath.Join(dir, "err.log")}
	if os.Geteuid() == 0 {
		sargs = append(sargs, "--user=root")
	}
	cmd := exec.Command(server, sargs...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "tcp", fmt.Sprintf("127.0.0.1:%d", port)
	cfg.Timeout = 2 * time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for db.PingContext(ctx) != nil { // polled: the server says when it is ready only in its log
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "err.log"))
			t.Fatalf("%s exited: %v\n%s", server, err, log)
		case <-ctx.Done():
			log, _ := os.ReadFile(filepath.Join(dir, "err.log"))
			t.Fatalf("%s not ready after 60s\n%s", server, log)
		case <-tick.C:
		}
	}
	if _, err := db.Exec("CREATE DATABASE " + dbname); err != nil {
		t.Fatal(err)
	}
	cfg.DBName = dbname
	return cfg.FormatDSN()
}
