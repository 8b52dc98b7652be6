package main

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/callvault/callvault"
)

// auditConfigChange appends a config.change event when the configuration snapshot this server
// starts with (redacted, as server.start records it) differs from the one of the previous
// server.start in the log. The first start of a vault has nothing to compare with. With several
// nodes the previous start may be another node's: differences between nodes are recorded too.
func (m *Main) auditConfigChange(ctx context.Context, snapshot map[string]any) error {
	prev, seq, err := previousServerConfig(ctx, m.Catalogue)
	if err != nil || prev == nil {
		return err
	}
	changed := configChanges(prev, snapshot)
	if len(changed) == 0 {
		return nil
	}
	return m.audit(ctx, callvault.ActorSystem, callvault.ActionConfigChange, "config",
		map[string]any{"changed": changed, "previous_start_seq": seq})
}

// previousServerConfig returns the "config" object of the newest server.start event and its
// seq, or nil if there is none. It reads the log backwards a page at a time: servers start
// often, so the newest start is usually in the first page.
func previousServerConfig(ctx context.Context, store callvault.AuditStore) (map[string]any, int64, error) {
	head, err := store.AuditHead(ctx)
	if err != nil || head == nil {
		return nil, 0, err
	}
	const page = 1000
	for hi := head.Seq; hi > 0; hi -= page {
		evs, err := store.AuditEvents(ctx, max(hi-page, 0), page)
		if err != nil {
			return nil, 0, err
		}
		for i := len(evs) - 1; i >= 0; i-- {
			ev := evs[i]
			if ev.Seq > hi || ev.Action != callvault.ActionServerStart {
				continue
			}
			var d struct {
				Config map[string]any `json:"config"`
			}
			if json.Unmarshal([]byte(ev.Detail), &d) != nil || d.Config == nil {
				continue // not a snapshot this version can compare with
			}
			return d.Config, ev.Seq, nil
		}
	}
	return nil, 0, nil
}

// configChanges returns, for every setting whose value differs between the two snapshots, its
// old and new value (null where a snapshot lacks the setting). Values are compared as JSON, so
// a snapshot read back from the log compares equal to the one it was written from.
func configChanges(old, cur map[string]any) map[string]any {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range cur {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	changed := map[string]any{}
	for _, k := range names {
		o, _ := json.Marshal(old[k])
		n, _ := json.Marshal(cur[k])
		if string(o) != string(n) {
			changed[k] = map[string]any{"old": old[k], "new": cur[k]}
		}
	}
	return changed
}

// warnRetentionOverride logs a warning when a Director has stored a retention period and the
// configuration file's retention_months says otherwise: the stored period wins on every node,
// and the file's value is ignored until the stored one is changed again in the browser.
func (m *Main) warnRetentionOverride(ctx context.Context) error {
	if m.Retention == nil {
		return nil
	}
	st, err := m.Retention.Stored(ctx)
	if err != nil || st == nil || st.Months == m.Config.RetentionMonths {
		return err
	}
	m.Logger.Warn("retention_months of the configuration is ignored: a Director set the retention period in the browser (/admin/retention), and that stored period is in force on every node",
		"retention_months", m.Config.RetentionMonths, "in_force", st.Months, "set_at", st.CreatedAt.Format(time.RFC3339))
	return nil
}
