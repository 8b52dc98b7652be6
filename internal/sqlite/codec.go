package sqlite

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/rowjson"
)

// micros returns t as microseconds since the Unix epoch; stores keep microsecond precision.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros is micros for optional times: the zero time is NULL.
func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// fromMicros is the inverse of micros, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// fromNullMicros is the inverse of nullMicros.
func fromNullMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMicros(n.Int64)
}

// jsonText encodes v for a JSON text column; empty lists and maps are stored as [] and {}.
func jsonText[T any](v T, empty string, n int) (string, error) {
	if n == 0 {
		return empty, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// recordingColumns lists the columns scanRecording reads, in order.
const recordingColumns = `r.id, r.started_at, r.ended_at, r.duration_ns, r.direction, r.extensions,
	r.external_numbers, r.parties, r.line, r.source, r.source_id, r.announcement_played, r.codec,
	r.sample_rate, r.channels, r.plain_size, r.stored_size, r.plain_sha256, r.stored_sha256,
	r.blob_key, r.key_epoch, r.header, r.sidecar, r.retain_until, r.created_at, r.attributes`

type scanner interface{ Scan(dest ...any) error }

// scanRecording reads one row of recordingColumns.
func scanRecording(s scanner) (*callvault.Recording, error) {
	var (
		r                                  callvault.Recording
		started, retain, created, duration int64
		ended                              sql.NullInt64
		exts, nums, parties, attrs         string
		header, sidecar                    []byte
	)
	err := s.Scan(&r.ID, &started, &ended, &duration, &r.Direction, &exts, &nums, &parties, &r.Line,
		&r.Source, &r.SourceID, &r.AnnouncementPlayed, &r.Codec, &r.SampleRate, &r.Channels,
		&r.PlainSize, &r.StoredSize, &r.PlainSHA256, &r.StoredSHA256, &r.BlobKey, &r.KeyEpoch,
		&header, &sidecar, &retain, &created, &attrs)
	if err != nil {
		return nil, err
	}
	r.StartedAt = fromMicros(started)
	r.EndedAt = fromNullMicros(ended)
	r.Duration = time.Duration(duration)
	r.RetainUntil = fromMicros(retain)
	r.CreatedAt = fromMicros(created)
	if header != nil {
		r.Header = append([]byte{}, header...)
	}
	if sidecar != nil {
		r.Sidecar = append([]byte{}, sidecar...)
	}
	if err := rowjson.Strings([]byte(exts), &r.Extensions); err != nil {
		return nil, err
	}
	if err := rowjson.Numbers([]byte(nums), &r.ExternalNumbers); err != nil {
		return nil, err
	}
	if err := rowjson.Parties([]byte(parties), &r.Parties); err != nil {
		return nil, err
	}
	if err := rowjson.StringMap([]byte(attrs), &r.Attributes); err != nil {
		return nil, err
	}
	if len(r.Extensions) == 0 {
		r.Extensions = nil
	}
	if len(r.ExternalNumbers) == 0 {
		r.ExternalNumbers = nil
	}
	if len(r.Parties) == 0 {
		r.Parties = nil
	}
	if len(r.Attributes) == 0 {
		r.Attributes = nil
	}
	return &r, nil
}

// recordingArgs returns the values of r for an INSERT of the columns in insertRecordingSQL.
func recordingArgs(r *callvault.Recording) ([]any, error) {
	exts, err := jsonText(r.Extensions, "[]", len(r.Extensions))
	if err != nil {
		return nil, err
	}
	nums, err := jsonText(r.ExternalNumbers, "[]", len(r.ExternalNumbers))
	if err != nil {
		return nil, err
	}
	parties, err := jsonText(r.Parties, "[]", len(r.Parties))
	if err != nil {
		return nil, err
	}
	attrs, err := jsonText(r.Attributes, "{}", len(r.Attributes))
	if err != nil {
		return nil, err
	}
	// A nil slice is NULL; an empty one is an empty BLOB.
	var header, sidecar any
	if r.Header != nil {
		header = r.Header
	}
	if r.Sidecar != nil {
		sidecar = r.Sidecar
	}
	return []any{r.ID, micros(r.StartedAt), nullMicros(r.EndedAt), int64(r.Duration), string(r.Direction),
		exts, nums, parties, r.Line, string(r.Source), r.SourceID, string(r.AnnouncementPlayed),
		string(r.Codec), r.SampleRate, r.Channels, r.PlainSize, r.StoredSize, r.PlainSHA256,
		r.StoredSHA256, r.BlobKey, r.KeyEpoch, header, sidecar, micros(r.RetainUntil), micros(r.CreatedAt), attrs}, nil
}

const insertRecordingSQL = `INSERT INTO recordings (id, started_at, ended_at, duration_ns, direction,
	extensions, external_numbers, parties, line, source, source_id, announcement_played, codec,
	sample_rate, channels, plain_size, stored_size, plain_sha256, stored_sha256, blob_key, key_epoch,
	header, sidecar, retain_until, created_at, attributes)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
