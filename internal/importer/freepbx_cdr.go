package importer

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Master.csv is written by Asterisk's cdr_csv module without a header, one call record a line,
// in this column order (with loguniqueid=yes and loguserfield=yes, as FreePBX sets them):
//
//	accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
//	start, answer, end, duration, billsec, disposition, amaflags, uniqueid, userfield
//
// Later columns (a cdr_custom mapping may add recordingfile, linkedid and others) are kept in
// CDR.Extra. Times are "YYYY-MM-DD HH:MM:SS" in the PBX's time zone (UTC with usegmtime=yes).

// Column indexes of Master.csv.
const (
	colAccountCode = iota
	colSrc
	colDst
	colDContext
	colCLID
	colChannel
	colDstChannel
	colLastApp
	colLastData
	colStart
	colAnswer
	colEnd
	colDuration
	colBillSec
	colDisposition
	colAMAFlags
	colUniqueID
	colUserField
)

// minCDRColumns is the columns up to uniqueid: without it no record can be joined to a file.
const minCDRColumns = colUniqueID + 1

// maxCDRColumns bounds a record; cdr_custom mappings add a handful of columns at most.
const maxCDRColumns = 64

// CDR is one call detail record.
type CDR struct {
	Line                  int // line in the file, for messages
	AccountCode, Src, Dst string
	DContext, CLID        string
	Channel, DstChannel   string
	LastApp, LastData     string
	Start, Answer, End    time.Time // Answer is zero for a call never answered
	Duration, BillSec     int       // seconds
	Disposition, AMAFlags string
	UniqueID, UserField   string
	Extra                 []string // columns after userfield (recordingfile, linkedid, ...)
}

// CDRs are the records of a Master.csv, by uniqueid.
type CDRs struct {
	byID map[string][]*CDR
}

// Len returns the number of records.
func (c *CDRs) Len() int {
	n := 0
	for _, rs := range c.byID {
		n += len(rs)
	}
	return n
}

// ReadMasterCSV reads a Master.csv whose times are in loc. It keeps every record that parses
// and returns one error per line that does not (naming the line and why). cdr_csv writes one
// record a line and never a line break inside a field, so each line is read on its own: a
// damaged line (an unterminated quote) costs only its own call, never the lines after it. An
// error reading r itself ends the read and is returned last.
func ReadMasterCSV(r io.Reader, loc *time.Location) (*CDRs, []error) {
	c := &CDRs{byID: map[string][]*CDR{}}
	br := bufio.NewReader(r)
	var errs []error
	for line := 1; ; line++ {
		text, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return c, append(errs, fmt.Errorf("reading Master.csv: %w", err))
		}
		if strings.TrimSpace(text) != "" {
			if cdr, perr := parseCDRLine(text, loc); perr != nil {
				errs = append(errs, fmt.Errorf("Master.csv line %d: %w", line, perr))
			} else {
				cdr.Line = line
				c.byID[cdr.UniqueID] = append(c.byID[cdr.UniqueID], cdr)
			}
		}
		if err == io.EOF {
			return c, errs
		}
	}
}

// parseCDRLine reads one line of Master.csv.
func parseCDRLine(text string, loc *time.Location) (*CDR, error) {
	if len(text) > maxCDRLine {
		return nil, fmt.Errorf("longer than %d bytes", maxCDRLine)
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	if _, err := cr.Read(); err != io.EOF {
		return nil, errors.New("a field holds a line break, which cdr_csv never writes")
	}
	return parseCDR(rec, loc)
}

// maxCDRLine bounds a line; real records are a few hundred bytes.
const maxCDRLine = 64 << 10

// parseCDR reads one Master.csv record.
func parseCDR(f []string, loc *time.Location) (*CDR, error) {
	if len(f) < minCDRColumns || len(f) > maxCDRColumns {
		return nil, fmt.Errorf("%d columns; a Master.csv written with loguniqueid=yes has at least %d (accountcode ... uniqueid)", len(f), minCDRColumns)
	}
	c := &CDR{
		AccountCode: f[colAccountCode], Src: f[colSrc], Dst: f[colDst], DContext: f[colDContext], CLID: f[colCLID],
		Channel: f[colChannel], DstChannel: f[colDstChannel], LastApp: f[colLastApp], LastData: f[colLastData],
		Disposition: f[colDisposition], AMAFlags: f[colAMAFlags], UniqueID: f[colUniqueID],
	}
	if len(f) > colUserField {
		c.UserField = f[colUserField]
		c.Extra = append([]string(nil), f[colUserField+1:]...)
	}
	if !uniqueID(c.UniqueID) {
		return nil, fmt.Errorf("uniqueid %q is not Asterisk's <epoch>.<sequence> (is the column order the cdr_csv one?)", c.UniqueID)
	}
	var err error
	if c.Start, err = cdrTime("start", f[colStart], loc, false); err != nil {
		return nil, err
	}
	if c.Answer, err = cdrTime("answer", f[colAnswer], loc, true); err != nil {
		return nil, err
	}
	if c.End, err = cdrTime("end", f[colEnd], loc, false); err != nil {
		return nil, err
	}
	if c.Duration, err = cdrSeconds("duration", f[colDuration]); err != nil {
		return nil, err
	}
	if c.BillSec, err = cdrSeconds("billsec", f[colBillSec]); err != nil {
		return nil, err
	}
	return c, nil
}

func cdrTime(field, s string, loc *time.Location, optional bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" && optional {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a time of the form 2006-01-02 15:04:05", field, s)
	}
	return t, nil
}

func cdrSeconds(field, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 1e7 {
		return 0, fmt.Errorf("%s %q is not a number of seconds", field, s)
	}
	return n, nil
}

// For returns the record of the call a recording belongs to: among the records with its
// uniqueid, the one naming the file (a recordingfile column), else the answered one that lasted
// longest, else the first. Nil if the CDR has none (the call may not have ended yet).
func (c *CDRs) For(uniqueid, file string) *CDR {
	rs := c.byID[uniqueid]
	if len(rs) == 0 {
		return nil
	}
	for _, r := range rs {
		for _, x := range r.Extra {
			if x != "" && (x == file || strings.HasSuffix(x, "/"+file)) {
				return r
			}
		}
	}
	best := rs[0]
	for _, r := range rs {
		if r.Disposition == "ANSWERED" && (best.Disposition != "ANSWERED" || r.BillSec > best.BillSec) {
			best = r
		}
	}
	return best
}

// Merge adds the records of o whose uniqueids c does not hold yet.
func (c *CDRs) Merge(o *CDRs) {
	for id, rs := range o.byID {
		if _, ok := c.byID[id]; !ok {
			c.byID[id] = rs
		}
	}
}
