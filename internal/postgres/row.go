package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/rowjson"
	"github.com/jackc/pgx/v5"
)

// recordingColumns are the columns scanRecording reads, in its order.
const recordingColumns = `r.id, r.started_at, r.ended_at, r.duration_ns, r.direction, r.extensions,
	r.external_numbers, r.parties, r.line, r.source, r.source_id, r.announcement_played, r.codec,
	r.sample_rate, r.channels, r.plain_size, r.stored_size, r.plain_sha256, r.stored_sha256,
	r.blob_key, r.key_epoch, r.header, r.sidecar, r.retain_until, r.created_at, r.attributes`

// insertRecordingSQL inserts a live recording from recordingArgs.
const insertRecordingSQL = `INSERT INTO recordings (id, started_at, ended_at, duration_ns, direction,
	extensions, external_numbers, parties, line, source, source_id, announcement_played, codec,
	sample_rate, channels, plain_size, stored_size, plain_sha256, stored_sha256, blob_key,
	key_epoch, header, sidecar, retain_until, created_at, attributes)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
	$20, $21, $22, $23, $24, $25, $26)`

// recordingArgs returns the arguments of insertRecordingSQL for r.
func recordingArgs(r *callvault.Recording) ([]any, error) {
	ext, err := jsonOrNull(len(r.Extensions), r.Extensions)
	if err != nil {
		return nil, err
	}
	nums, err := jsonOrNull(len(r.ExternalNumbers), r.ExternalNumbers)
	if err != nil {
		return nil, err
	}
	parties, err := jsonOrNull(len(r.Parties), r.Parties)
	if err != nil {
		return nil, err
	}
	attrs, err := jsonOrNull(len(r.Attributes), r.Attributes)
	if err != nil {
		return nil, err
	}
	return []any{
		r.ID, r.StartedAt, nullTime(r.EndedAt), int64(r.Duration), string(r.Direction),
		ext, nums, parties, r.Line, string(r.Source), r.SourceID, string(r.AnnouncementPlayed),
		string(r.Codec), r.SampleRate, r.Channels, r.PlainSize, r.StoredSize, r.PlainSHA256,
		r.StoredSHA256, r.BlobKey, r.KeyEpoch, r.Header, r.Sidecar, nullTime(r.RetainUntil),
		nullTime(r.CreatedAt), attrs,
	}, nil
}

// scanRecording reads one row of recordingColumns.
func scanRecording(row pgx.Row) (*callvault.Recording, error) {
	var (
		r                             callvault.Recording
		endedAt, retainUntil, created *time.Time
		durationNS                    int64
		direction, source, announced  string
		codec                         string
		ext, nums, parties, attrs     []byte
	)
	err := row.Scan(&r.ID, &r.StartedAt, &endedAt, &durationNS, &direction, &ext, &nums, &parties,
		&r.Line, &source, &r.SourceID, &announced, &codec, &r.SampleRate, &r.Channels, &r.PlainSize,
		&r.StoredSize, &r.PlainSHA256, &r.StoredSHA256, &r.BlobKey, &r.KeyEpoch, &r.Header,
		&r.Sidecar, &retainUntil, &created, &attrs)
	if err != nil {
		return nil, err
	}
	r.StartedAt = r.StartedAt.UTC()
	r.EndedAt = fromNullTime(endedAt)
	r.RetainUntil = fromNullTime(retainUntil)
	r.CreatedAt = fromNullTime(created)
	r.Duration = time.Duration(durationNS)
	r.Direction = callvault.Direction(direction)
	r.Source = callvault.Source(source)
	r.AnnouncementPlayed = callvault.Announcement(announced)
	r.Codec = callvault.Codec(codec)
	for _, f := range []struct {
		name   string
		data   []byte
		decode func([]byte) error
	}{
		{"extensions", ext, func(b []byte) error { return rowjson.Strings(b, &r.Extensions) }},
		{"external_numbers", nums, func(b []byte) error { return rowjson.Numbers(b, &r.ExternalNumbers) }},
		{"parties", parties, func(b []byte) error { return rowjson.Parties(b, &r.Parties) }},
		{"attributes", attrs, func(b []byte) error { return rowjson.StringMap(b, &r.Attributes) }},
	} {
		if f.data == nil {
			continue
		}
		if err := f.decode(f.data); err != nil {
			return nil, fmt.Errorf("recording %s: column %s: %w", r.ID, f.name, err)
		}
	}
	return &r, nil
}

// jsonOrNull returns v as JSON, or nil (NULL) when it has no elements.
func jsonOrNull(n int, v any) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInvalid, err, "postgres: a recording field cannot be encoded as JSON")
	}
	return b, nil
}

// nullTime returns nil (NULL) for the zero time and t otherwise.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// fromNullTime returns the zero time for NULL and *t in UTC otherwise.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
