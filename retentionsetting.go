package callvault

import (
	"context"
	"time"
)

// RetentionSetting is one stored value of the retention period (section 6 of the policy):
// recordings are deleted this many calendar months after their call. Values are never changed
// or removed; a change is a new, higher version. While none is stored the configuration file's
// retention_months is the period; once one is, the highest version is, on every node.
type RetentionSetting struct {
	Version int
	Months  int
	// Reason is why its author changed the period ("the board shortened retention").
	Reason string
	// Author is the actor who set it (user:ID).
	Author    string
	CreatedAt time.Time
}

// Bounds of a stored retention period and of its reason.
const (
	MinRetentionMonths        = 1
	MaxRetentionMonths        = 120
	MaxRetentionReasonLength  = 500
	RetentionSettingFreshness = 3 * time.Second // how long a node may use a read value
)

// RetentionSettingStore keeps the versions of the retention period. Adding one is audited in
// the same transaction.
type RetentionSettingStore interface {
	// AddRetentionSetting stores s and appends ev. KindInvalid without a positive version or
	// with Months out of MinRetentionMonths..MaxRetentionMonths; KindConflict, writing
	// nothing, unless s.Version is above every stored version (two people saving from the
	// same version: the second is refused).
	AddRetentionSetting(ctx context.Context, s *RetentionSetting, ev *AuditEvent) error
	// RetentionSettings returns every stored version, newest first.
	RetentionSettings(ctx context.Context) ([]*RetentionSetting, error)
	// LatestRetentionSetting returns the highest stored version; KindNotFound when none is.
	LatestRetentionSetting(ctx context.Context) (*RetentionSetting, error)
}

// RetentionSettingImporter is an optional capability of a catalogue: it stores a version as
// given, without an audit event, for migration between backends (whose audit log is copied
// verbatim). KindConflict, writing nothing, if that version exists.
type RetentionSettingImporter interface {
	ImportRetentionSetting(ctx context.Context, s *RetentionSetting) error
}

// ActionRetentionSet is appended when a person changes the retention period.
const ActionRetentionSet = "retention.set"
