package postgres

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// The subject search must read the subject index and fetch recordings by key, never scan the
// recordings table, whatever its size.
func TestFindUsesSubjectIndex(t *testing.T) {
	db := openTest(t, pgtest.NewTestDatabase(t))
	ctx := context.Background()
	// Bulk-load through SQL: the plan depends on table statistics, not on how the rows came.
	const n = 20000
	_, err := db.pool.Exec(ctx, `
		INSERT INTO recordings (id, started_at, duration_ns, direction, line, source, source_id,
			announcement_played, codec, sample_rate, channels, plain_size, stored_size, plain_sha256,
			stored_sha256, blob_key, key_epoch, header, retain_until, created_at)
		SELECT 'r' || lpad(i::text, 8, '0'), timestamptz '2026-01-01 00:00:00Z' + i * interval '1 minute',
			60000000000, 'inbound', '', 'upload', 's' || i, 'yes', 'pcm_s16le', 8000, 1, 1000, 1100,
			'', '', 'k' || i, '', '\x00'::bytea, timestamptz '2032-01-01Z', now()
		FROM generate_series(1, $1::int) AS i`, n)
	if err != nil {
		t.Fatalf("load recordings: %v", err)
	}
	_, err = db.pool.Exec(ctx, `
		INSERT INTO recording_subjects (kind, value, started_at, recording_id)
		SELECT s.kind, s.value, r.started_at, r.id FROM recordings r,
			LATERAL (VALUES ('number', '+4477009' || substr(r.id, 2)), ('extension', (8000 + substr(r.id, 2)::int % 200)::text)) AS s(kind, value)`)
	if err != nil {
		t.Fatalf("load subjects: %v", err)
	}
	if _, err := db.pool.Exec(ctx, "ANALYZE recordings; ANALYZE recording_subjects"); err != nil {
		t.Fatalf("analyze: %v", err)
	}

	number := callvault.Subject{Kind: callvault.SubjectNumber, Value: "+447700900012345"}
	ext := callvault.Subject{Kind: callvault.SubjectExtension, Value: "8042"}
	from := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		f    callvault.RecordingFilter
	}{
		{"one number", callvault.RecordingFilter{Subjects: []callvault.Subject{number}}},
		{"one extension, first page", callvault.RecordingFilter{Subjects: []callvault.Subject{ext}, Limit: 10}},
		{"number or extension in a range", callvault.RecordingFilter{Subjects: []callvault.Subject{number, ext}, From: from, To: from.AddDate(0, 0, 7)}},
		{"next page", callvault.RecordingFilter{Subjects: []callvault.Subject{ext}, Limit: 10, After: "r00002880"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.f.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			sql, args := findQuery(f)
			var plan []byte
			if err := db.pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, args...).Scan(&plan); err != nil {
				t.Fatalf("EXPLAIN: %v", err)
			}
			nodes := planNodes(t, plan)
			indexed := false
			for _, n := range nodes {
				switch {
				case n.Relation == "recordings" && n.Type == "Seq Scan":
					t.Errorf("the subject search scans the recordings table:\n%s", plan)
				case n.Relation == "recording_subjects" && strings.Contains(n.Type, "Index") &&
					n.Index == "recording_subjects_search":
					indexed = true
				}
			}
			if !indexed {
				t.Errorf("the subject search does not use recording_subjects_search:\n%s", plan)
			}
			// One subject with more matches than the page: the index is read in the order of the
			// result and stops at the page.
			for _, n := range nodes {
				if len(f.Subjects) == 1 && f.Subjects[0] == ext && n.Type == "Sort" {
					t.Errorf("a one-subject search sorts instead of reading the index in order:\n%s", plan)
				}
			}
		})
	}

	// The same query returns what the index promises (and so the test data is what we think).
	rs, err := db.FindRecordings(ctx, callvault.RecordingFilter{Subjects: []callvault.Subject{number}})
	if err != nil || len(rs) != 1 || rs[0].ID != "r00012345" {
		t.Fatalf("FindRecordings(number) = %d recordings, %v; want r00012345", len(rs), err)
	}
}

type planNode struct {
	Type     string
	Relation string
	Index    string
}

// planNodes flattens an EXPLAIN (FORMAT JSON) plan.
func planNodes(t *testing.T, plan []byte) []planNode {
	t.Helper()
	type node struct {
		Type     string `json:"Node Type"`
		Relation string `json:"Relation Name"`
		Index    string `json:"Index Name"`
		Plans    []node `json:"Plans"`
	}
	var doc []struct {
		Plan node `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &doc); err != nil || len(doc) != 1 {
		t.Fatalf("parse plan: %v\n%s", err, plan)
	}
	var out []planNode
	var walk func(n node)
	walk = func(n node) {
		out = append(out, planNode{n.Type, n.Relation, n.Index})
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(doc[0].Plan)
	return out
}

// withQuery returns rawURL with the query parameter key set to value.
func withQuery(t *testing.T, rawURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("parse URL: %v", err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
