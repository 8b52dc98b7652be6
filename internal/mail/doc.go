// Package mail delivers callvault's outgoing mail. Workflows build a message with one of the
// typed constructors (NewAccessRequestMail, NewCaseOpenedMail, NewPCIAlertMail, ...), which
// take a reference and a link and nothing else, so that no message can carry call details, and
// enqueue it in the catalogue's outbox (callvault.MailStore) together with the audit event of
// the change that caused it. A Sender, a loop around RunOnce on every node, claims due messages
// under a lease, sends them by SMTP (STARTTLS when the server offers it) and retries failures
// with exponential backoff; queued mail survives restarts.
package mail
