package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// FreePBX also keeps its CDR in MySQL/MariaDB (database asteriskcdrdb, table cdr, written by
// cdr_adaptive_odbc or cdr_mysql). CDRDB reads the records of given calls from there, read-only,
// into the same CDR type ReadMasterCSV produces, so one join serves both. The table has one
// time, calldate (the call's start, in the PBX's local time unless usegmtime=yes); answer and
// end are derived from duration and billsec as cdr_csv computes them.

// cdrDBBatch bounds the uniqueids of one query.
const cdrDBBatch = 200

// cdrDBTimeout bounds one query (and the connection it may open).
const cdrDBTimeout = 30 * time.Second

// CDRDB is a connection pool to the CDR database.
type CDRDB struct {
	db    *sql.DB
	table string
	loc   *time.Location
}

// OpenCDRDB parses dsn (the Go MySQL driver's form, user:pass@tcp(host:3306)/asteriskcdrdb)
// and checks the server answers. Times of the table are read in loc. Errors never hold the
// password.
func OpenCDRDB(ctx context.Context, dsn string, loc *time.Location) (*CDRDB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, errors.New("not a DSN of the form user:password@tcp(host:3306)/asteriskcdrdb")
	}
	if cfg.DBName == "" {
		cfg.DBName = "asteriskcdrdb"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = cdrDBTimeout
	}
	cfg.ParseTime = false // calldate is read as text and placed in loc, whatever the DSN says
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, redact(err, cfg.Passwd)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(2)
	c := &CDRDB{db: db, table: "cdr", loc: loc}
	pctx, cancel := context.WithTimeout(ctx, cfg.Timeout+time.Second)
	defer cancel()
	if _, err := c.query(pctx, []string{"0.0"}); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s@%s/%s: %w", cfg.User, cfg.Addr, cfg.DBName, redact(err, cfg.Passwd))
	}
	return c, nil
}

// redact removes the password from an error's text, should a driver ever quote it.
func redact(err error, pass string) error {
	if pass == "" || !strings.Contains(err.Error(), pass) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pass, "***"))
}

// Close closes the pool.
func (c *CDRDB) Close() error { return c.db.Close() }

// Read returns the records of the calls with the given uniqueids (those the table has), in
// batches. Records that do not parse are returned as errors naming their uniqueid.
func (c *CDRDB) Read(ctx context.Context, ids []string) (*CDRs, []error, error) {
	out := &CDRs{byID: map[string][]*CDR{}}
	var bad []error
	seen := map[string]bool{}
	var uniq []string
	for _, id := range ids {
		if !seen[id] && uniqueID(id) {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	for len(uniq) > 0 {
		n := min(len(uniq), cdrDBBatch)
		qctx, cancel := context.WithTimeout(ctx, cdrDBTimeout)
		recs, err := c.query(qctx, uniq[:n])
		cancel()
		if err != nil {
			return out, bad, err
		}
		for _, r := range recs {
			if r.err != nil {
				bad = append(bad, r.err)
				continue
			}
			out.byID[r.cdr.UniqueID] = append(out.byID[r.cdr.UniqueID], r.cdr)
		}
		uniq = uniq[n:]
	}
	return out, bad, nil
}

type cdrRow struct {
	cdr *CDR
	err error
}

// cdrColumns are read as text; recordingfile becomes CDR.Extra[0] as in a cdr_custom Master.csv.
const cdrColumns = "CAST(calldate AS CHAR), clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, " +
	"duration, billsec, disposition, CAST(amaflags AS CHAR), accountcode, uniqueid, userfield, recordingfile"

func (c *CDRDB) query(ctx context.Context, ids []string) ([]cdrRow, error) {
	q := "SELECT " + cdrColumns + " FROM " + c.table + " WHERE uniqueid IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	tx, err := c.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cdrRow
	for rows.Next() {
		var f [17]sql.NullString
		ptrs := make([]any, len(f))
		for i := range f {
			ptrs[i] = &f[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		cdr, err := c.row(f)
		out = append(out, cdrRow{cdr, err})
	}
	return out, rows.Err()
}

func (c *CDRDB) row(f [17]sql.NullString) (*CDR, error) {
	s := func(i int) string { return f[i].String }
	r := &CDR{
		CLID: s(1), Src: s(2), Dst: s(3), DContext: s(4), Channel: s(5), DstChannel: s(6),
		LastApp: s(7), LastData: s(8), Disposition: s(11), AMAFlags: s(12), AccountCode: s(13),
		UniqueID: s(14), UserField: s(15), Extra: []string{s(16)},
	}
	var err error
	if r.Start, err = cdrTime("calldate", s(0), c.loc, false); err != nil {
		return nil, fmt.Errorf("cdr table, uniqueid %q: %w", r.UniqueID, err)
	}
	if r.Duration, err = cdrSeconds("duration", s(9)); err != nil {
		return nil, fmt.Errorf("cdr table, uniqueid %q: %w", r.UniqueID, err)
	}
	if r.BillSec, err = cdrSeconds("billsec", s(10)); err != nil {
		return nil, fmt.Errorf("cdr table, uniqueid %q: %w", r.UniqueID, err)
	}
	r.End = r.Start.Add(time.Duration(r.Duration) * time.Second)
	if r.BillSec > 0 || r.Disposition == "ANSWERED" {
		r.Answer = r.End.Add(-time.Duration(r.BillSec) * time.Second)
	}
	return r, nil
}
