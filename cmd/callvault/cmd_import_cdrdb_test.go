package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/callvault/callvault/internal/importer"
	"github.com/callvault/callvault/internal/testenv"
)

// cdrTable is FreePBX's asteriskcdrdb.cdr (the columns of its installer, abridged types).
const cdrTable = `CREATE TABLE cdr (
	calldate datetime NOT NULL DEFAULT '1000-01-01 00:00:00', clid varchar(80) NOT NULL DEFAULT '',
	src varchar(80) NOT NULL DEFAULT '', dst varchar(80) NOT NULL DEFAULT '', dcontext varchar(80) NOT NULL DEFAULT '',
	channel varchar(80) NOT NULL DEFAULT '', dstchannel varchar(80) NOT NULL DEFAULT '',
	lastapp varchar(80) NOT NULL DEFAULT '', lastdata varchar(80) NOT NULL DEFAULT '',
	duration int(11) NOT NULL DEFAULT 0, billsec int(11) NOT NULL DEFAULT 0,
	disposition varchar(45) NOT NULL DEFAULT '', amaflags int(11) NOT NULL DEFAULT 0,
	accountcode varchar(20) NOT NULL DEFAULT '', uniqueid varchar(32) NOT NULL DEFAULT '',
	userfield varchar(255) NOT NULL DEFAULT '', did varchar(50) NOT NULL DEFAULT '',
	recordingfile varchar(255) NOT NULL DEFAULT '', cnum varchar(80) NOT NULL DEFAULT '',
	cnam varchar(80) NOT NULL DEFAULT '', outbound_cnum varchar(80) NOT NULL DEFAULT '',
	outbound_cnam varchar(80) NOT NULL DEFAULT '', dst_cnam varchar(80) NOT NULL DEFAULT '',
	linkedid varchar(32) NOT NULL DEFAULT '', peeraccount varchar(80) NOT NULL DEFAULT '',
	sequence int(11) NOT NULL DEFAULT 0,
	KEY calldate (calldate), KEY uniqueid (uniqueid)
)`

// loadCDRTable fills the cdr table with the records of a Master.csv (lines that are not
// records are left out, as cdr_csv's damaged lines would never reach the database).
func loadCDRTable(t *testing.T, dsn, masterCSV string) {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(cdrTable); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(masterCSV)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		f, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil || len(f) < 18 {
			continue
		}
		// accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
		// start, answer, end, duration, billsec, disposition, amaflags, uniqueid, userfield
		if _, err := db.Exec(`INSERT INTO cdr (accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
			calldate, duration, billsec, disposition, amaflags, uniqueid, userfield) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,3,?,?)`,
			f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[12], f[13], f[14], f[16], f[17]); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n < 100 {
		t.Fatalf("only %d CDR records loaded", n)
	}
}

func TestImportFreePBXCDRDB(t *testing.T) {
	dsn := testenv.StartMariaDB(t, "asteriskcdrdb")
	spool, dataCSV, dataDB := t.TempDir(), t.TempDir(), t.TempDir()
	calls, cdr, mustNot := genSpool(t, spool, 120)
	loadCDRTable(t, dsn, cdr)
	refused := calls[10].ext
	common := []string{"--spool", spool, "--tz", "Europe/London", "--settle", "1m", "--unrecorded", refused}
	code, _, errCSV := cli(t, append([]string{"import", "freepbx", "--data", dataCSV, "--cdr", cdr}, common...)...)
	if code != 1 {
		t.Fatalf("csv import: exit %d\n%s", code, errCSV)
	}
	code, out, errOut := cli(t, append([]string{"import", "freepbx", "--data", dataDB, "--cdr-db", dsn}, common...)...)
	if code != 1 {
		t.Fatalf("cdr-db import: exit %d, want 1 (malformed names are failures)\n%s", code, errOut)
	}
	var stored int
	want := map[string]vaultRec{}
	for _, c := range calls {
		if c.ext != refused {
			stored++
			want[c.sourceID()] = c.want()
		}
	}
	if n := strings.Count(out, "\tstored\t"); n != stored {
		t.Errorf("stored %d files, want %d\n%s", n, stored, errOut)
	}
	for _, p := range mustNot {
		if strings.Contains(out, p) {
			t.Errorf("%s was imported", p)
		}
	}
	for _, s := range []string{"has no record of call", "unrecorded line \"" + refused + "\""} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}
	eq := cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })
	gotDB, gotCSV := vaultSummary(t, dataDB), vaultSummary(t, dataCSV)
	if diff := cmp.Diff(gotCSV, gotDB, eq); diff != "" {
		t.Errorf("--cdr-db imported other than --cdr (-csv +db):\n%s", diff)
	}
	if diff := cmp.Diff(want, gotDB, eq, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".SHA" }, cmp.Ignore())); diff != "" {
		t.Errorf("vault (-want +got):\n%s", diff)
	}

	// A second run (the DSN from the environment, out of the process list) stores nothing new.
	var o, e bytes.Buffer
	ev := testEnv(&o, &e, "CALLVAULT_CDR_DB", dsn)
	code = run(context.Background(), append([]string{"import", "freepbx", "--data", dataDB}, common...), ev.stdin, &o, &e, ev.getenv)
	out, errOut = o.String(), e.String()
	if n := strings.Count(out, "\tstored\t"); n != 0 || code != 1 || !strings.Contains(errOut, fmt.Sprintf("0 stored, %d already stored", stored)) {
		t.Errorf("second run: exit %d, %d stored\n%s", code, n, errOut)
	}
}

func TestImportFreePBXCDRDBBadDSN(t *testing.T) {
	spool := t.TempDir()
	genSpool(t, spool, 6)
	// A port nothing listens on.
	unreachable := "callvault:s3cret-pw@tcp(127.0.0.1:1)/asteriskcdrdb?timeout=2s"
	for _, dsn := range []string{unreachable, "callvault:s3cret-pw@not a dsn"} {
		code, out, errOut := cli(t, "import", "freepbx", "--data", t.TempDir(), "--spool", spool, "--cdr-db", dsn)
		if code == 0 || strings.Contains(out, "stored") {
			t.Errorf("%s: exit %d\n%s", dsn, code, out)
		}
		if !strings.Contains(errOut, "--cdr-db") || strings.Contains(errOut+out, "s3cret") {
			t.Errorf("%s: the error must name --cdr-db and never the password:\n%s", dsn, errOut)
		}
	}
	code, _, errOut := cli(t, "import", "freepbx", "--data", t.TempDir(), "--spool", spool, "--cdr", "x.csv", "--cdr-db", unreachable)
	if code == 0 || !strings.Contains(errOut, "both given") {
		t.Errorf("--cdr and --cdr-db: exit %d\n%s", code, errOut)
	}
}

// The importer's own errors (here an unknown database) never carry the password either.
func TestOpenCDRDBErrorHidesPassword(t *testing.T) {
	dsn := testenv.StartMariaDB(t, "asteriskcdrdb")
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = "no_such_db"
	cfg.Passwd = "s3cret-pw"
	_, err = importer.OpenCDRDB(context.Background(), cfg.FormatDSN(), time.UTC)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "no_such_db") {
		t.Errorf("err = %v", err)
	}
}
