// Package pci raises the alarm when card data was keyed on a recorded line (PCI DSS; the
// customer's policy, section 4): the archive masks the tones before they are stored and flags
// the recording, and this package writes the audit event (callvault.ActionPCICardDataKeyed)
// and tells the Data Protection Officer by e-mail, through the outbox. It also scans stored
// recordings for tones (Scanner), for audio stored before masking existed.
//
// The digits are never known here: the masker (internal/audio) reports only that a card-like
// sequence was keyed, and when.
package pci
