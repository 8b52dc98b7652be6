package postgres

import (
	"context"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.MailStore = (*DB)(nil)

const mailColumns = `id, recipients, subject, body, kind, reference, link, created_at, attempts, next_attempt_at, sent_at, last_error`

// EnqueueMail stores m and appends ev atomically; KindConflict if m.ID exists.
func (db *DB) EnqueueMail(ctx context.Context, m *callvault.MailMessage, ev *callvault.AuditEvent) error {
	const what = "postgres: enqueue mail"
	if err := m.Validate(); err != nil {
		return callvault.PrefixError(err, what)
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		if err := insertMail(ctx, tx, m); err != nil {
			return err
		}
		var err error
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

// insertMail adds m (validated by the caller) to the outbox inside tx. Stores whose changes
// cause mail (a request that must be decided, a case the DPO must hear of) call it in their own
// transaction, so that the change, its audit event and its mail commit together.
func insertMail(ctx context.Context, tx pgx.Tx, m *callvault.MailMessage) error {
	next := m.NextAttempt
	if next.IsZero() {
		next = m.CreatedAt
	}
	_, err := tx.Exec(ctx, `INSERT INTO mail_outbox (id, recipients, subject, body, kind, reference, link,
		created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		m.ID, m.To, m.Subject, m.Body, string(m.Kind), m.Reference, m.Link,
		m.CreatedAt.UTC().Truncate(time.Microsecond), next.UTC().Truncate(time.Microsecond))
	return err
}

// ClaimMail claims up to limit due, unheld, unsent messages for holder until until. Rows that
// a concurrent claimer has locked are skipped, so claimers on several nodes never wait for each
// other nor take the same message.
func (db *DB) ClaimMail(ctx context.Context, holder string, now, until time.Time, limit int) ([]*callvault.MailMessage, error) {
	return mailQueue.claim(ctx, db, holder, now, until, limit)
}

// mailQueue is the outbox as a leased queue.
var mailQueue = leasedQueue[*callvault.MailMessage]{what: "postgres: claim mail", table: "mail_outbox",
	columns: mailColumns, openCond: "sent_at IS NULL", scan: scanMail,
	order:    func(m *callvault.MailMessage) (time.Time, string) { return m.NextAttempt, m.ID },
	missing:  "no queued message with that ID",
	notHeld:  "message %s is not held by this sender (sent, or claimed by another)",
	truncate: callvault.TruncateMailError}

// MarkMailSent records the delivery of a message holder holds and appends ev, atomically.
func (db *DB) MarkMailSent(ctx context.Context, id, holder string, sentAt time.Time, ev *callvault.AuditEvent) error {
	const what = "postgres: mark mail sent"
	if sentAt.IsZero() {
		return callvault.Errorf(callvault.KindInvalid, "%s: the time of sending is required", what)
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1,
			claimed_by = NULL, claimed_until = NULL WHERE id = $2 AND claimed_by = $3 AND sent_at IS NULL`,
			sentAt, id, holder)
		if err := mailQueue.held(ctx, tx, tag, err, id, what); err != nil {
			return err
		}
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

// MarkMailFailed records a failed attempt of holder's claim and when to try again.
func (db *DB) MarkMailFailed(ctx context.Context, id, holder string, next time.Time, lastError string) error {
	return mailQueue.retry(ctx, db, "postgres: mark mail failed", id, holder, next, lastError)
}

// ReleaseMail clears holder's claim on the message, if it holds it.
func (db *DB) ReleaseMail(ctx context.Context, id, holder string) error {
	_, err := db.pool.Exec(ctx, `UPDATE mail_outbox SET claimed_by = NULL, claimed_until = NULL
		WHERE id = $1 AND claimed_by = $2`, id, holder)
	return translate(err, "postgres: release mail")
}

// MailMessages returns a page of the outbox in ID order, only unsent messages if pending.
func (db *DB) MailMessages(ctx context.Context, pending bool, afterID string, limit int) ([]*callvault.MailMessage, error) {
	const what = "postgres: list mail"
	q := `SELECT ` + mailColumns + ` FROM mail_outbox WHERE id > $1`
	if pending {
		q += ` AND sent_at IS NULL`
	}
	rows, err := db.pool.Query(ctx, q+` ORDER BY id LIMIT $2`, afterID, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, what)
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.MailMessage, error) {
		return scanMail(row)
	})
	return ms, translate(err, what)
}

func scanMail(row pgx.Row) (*callvault.MailMessage, error) {
	var (
		m    callvault.MailMessage
		kind string
		sent *time.Time
	)
	if err := row.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &kind, &m.Reference, &m.Link, &m.CreatedAt, &m.Attempts, &m.NextAttempt, &sent, &m.LastError); err != nil {
		return nil, err
	}
	m.Kind = callvault.MailKind(kind)
	m.CreatedAt = m.CreatedAt.UTC()
	m.NextAttempt = m.NextAttempt.UTC()
	if sent != nil {
		m.SentAt = sent.UTC()
	}
	return &m, nil
}
