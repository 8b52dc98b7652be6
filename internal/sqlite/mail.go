package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/callvault/callvault"
)

var _ callvault.MailStore = (*DB)(nil)

const mailColumns = `id, recipients, subject, body, kind, reference, link, created_at, attempts, next_attempt_at, sent_at, last_error`

// EnqueueMail stores m and appends ev in one transaction; KindConflict if m.ID exists.
func (db *DB) EnqueueMail(ctx context.Context, m *callvault.MailMessage, ev *callvault.AuditEvent) error {
	if err := m.Validate(); err != nil {
		return prefixed(err, "enqueue mail")
	}
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: enqueue mail: an audit event is required")
	}
	return db.appendWith(ctx, "enqueue mail", ev, func(tx *sql.Tx) error { return insertMail(ctx, tx, m) })
}

// insertMail adds m (validated by the caller) to the outbox inside tx. Stores whose changes
// cause mail (a request that must be decided, a case the DPO must hear of) call it in their own
// transaction, so that the change, its audit event and its mail commit together.
func insertMail(ctx context.Context, tx *sql.Tx, m *callvault.MailMessage) error {
	to, err := json.Marshal(m.To)
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "sqlite: enqueue mail: encode recipients")
	}
	next := m.NextAttempt
	if next.IsZero() {
		next = m.CreatedAt
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO mail_outbox (id, recipients, subject, body, kind, reference, link,
		created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, string(to), m.Subject, m.Body, string(m.Kind), m.Reference, m.Link, micros(m.CreatedAt), micros(next))
	if callvault.IsKind(translate(err, ""), callvault.KindConflict) {
		return callvault.WrapError(callvault.KindConflict, err, "sqlite: a message with this ID is queued already")
	}
	return err
}

// mailQueue is the outbox as a leased queue.
var mailQueue = leasedQueue[*callvault.MailMessage]{what: "claim mail", table: "mail_outbox",
	columns: mailColumns, openCond: "sent_at IS NULL", scan: scanMail,
	id:       func(m *callvault.MailMessage) string { return m.ID },
	missing:  "no queued message with ID %q",
	notHeld:  "message %s is not held by this sender (sent, or claimed by another)",
	truncate: callvault.TruncateMailError}

// ClaimMail claims up to limit due, unheld, unsent messages for holder until until. The claim
// is one IMMEDIATE transaction, so concurrent claimers (in any process) take turns.
func (db *DB) ClaimMail(ctx context.Context, holder string, now, until time.Time, limit int) ([]*callvault.MailMessage, error) {
	return mailQueue.claim(ctx, db, holder, now, until, limit)
}

// MarkMailSent records the delivery of a message holder holds and appends ev, atomically.
func (db *DB) MarkMailSent(ctx context.Context, id, holder string, sentAt time.Time, ev *callvault.AuditEvent) error {
	if ev == nil || sentAt.IsZero() {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: mark mail sent: a time and an audit event are required")
	}
	return db.appendWith(ctx, "mark mail sent", ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET sent_at = ?, attempts = attempts + 1,
			claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ? AND sent_at IS NULL`,
			micros(sentAt), id, holder)
		return mailQueue.held(ctx, tx, res, err, id)
	})
}

// MarkMailFailed records a failed attempt of holder's claim and when to try again.
func (db *DB) MarkMailFailed(ctx context.Context, id, holder string, next time.Time, lastError string) error {
	return mailQueue.retry(ctx, db, "mark mail failed", id, holder, next, lastError)
}

// ReleaseMail clears holder's claim on the message, if it holds it.
func (db *DB) ReleaseMail(ctx context.Context, id, holder string) error {
	return db.write(ctx, "release mail", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET claimed_by = NULL, claimed_until = NULL
			WHERE id = ? AND claimed_by = ?`, id, holder)
		return err
	})
}

// MailMessages returns a page of the outbox in ID order, only unsent messages if pending.
func (db *DB) MailMessages(ctx context.Context, pending bool, afterID string, limit int) ([]*callvault.MailMessage, error) {
	q := `SELECT ` + mailColumns + ` FROM mail_outbox WHERE id > ?`
	if pending {
		q += ` AND sent_at IS NULL`
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY id LIMIT ?`, afterID, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, "list mail")
	}
	defer rows.Close()
	var out []*callvault.MailMessage
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, translate(err, "list mail")
		}
		out = append(out, m)
	}
	return out, translate(rows.Err(), "list mail")
}

func scanMail(s scanner) (*callvault.MailMessage, error) {
	var (
		m             callvault.MailMessage
		to            string
		created, next int64
		sent          sql.NullInt64
	)
	if err := s.Scan(&m.ID, &to, &m.Subject, &m.Body, &m.Kind, &m.Reference, &m.Link, &created, &m.Attempts, &next, &sent, &m.LastError); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(to), &m.To); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "sqlite: a queued message's recipients are not a JSON list")
	}
	m.CreatedAt = fromMicros(created)
	m.NextAttempt = fromMicros(next)
	m.SentAt = fromNullMicros(sent)
	return &m, nil
}
