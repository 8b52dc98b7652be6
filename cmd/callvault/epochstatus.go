package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/callvault/callvault"
)

// epochStatus is the "epochs" part of the retention compliance status: which key epochs still
// exist (the catalogue records their recipient and no destruction) and which were destroyed,
// so that an auditor sees deletion made final, month by month, next to the sweeps. It names
// epochs only: recipients are long and say nothing more to a reader.
type epochStatus struct {
	// Live are the month epochs and the hold epoch ("hold") whose identities exist, recorded
	// ahead of need, in order; the vault key of recordings from before epochs is VaultKey.
	Live []string `json:"live"`
	// Destroyed are the month epochs whose identities were destroyed, in order.
	Destroyed []destroyedEpoch `json:"destroyed"`
	// VaultKey is "live" while the long-lived vault key exists, "retired" once it is destroyed
	// (callvault keys retire-vault-key), "" if the catalogue never recorded one.
	VaultKey string `json:"vault_key,omitempty"`
}

type destroyedEpoch struct {
	Epoch       string    `json:"epoch"`
	DestroyedAt time.Time `json:"destroyed_at"`
}

// epochStatusJSON reads the epochs' status from the catalogue (KeyStore and EpochStore); it
// needs no key, so a recorder-only node reports it too. A catalogue without epochs gives null.
func (m *Main) epochStatusJSON(ctx context.Context) (json.RawMessage, error) {
	ks, ok1 := m.Catalogue.(callvault.KeyStore)
	es, ok2 := m.Catalogue.(callvault.EpochStore)
	if !ok1 || !ok2 {
		return nil, nil
	}
	keys, err := ks.VaultKeys(ctx)
	if err != nil {
		return nil, err
	}
	destroyed, err := es.DestroyedEpochs(ctx)
	if err != nil {
		return nil, err
	}
	st := epochStatus{Live: []string{}, Destroyed: []destroyedEpoch{}}
	gone := map[string]bool{}
	for _, d := range destroyed {
		gone[d.Epoch] = true
		if d.Epoch == "" {
			st.VaultKey = "retired"
			continue
		}
		st.Destroyed = append(st.Destroyed, destroyedEpoch{Epoch: d.Epoch, DestroyedAt: d.DestroyedAt.UTC()})
	}
	for _, k := range keys {
		switch {
		case k.Kind != callvault.VaultKeyRecipient || gone[k.Epoch]:
		case k.Epoch == "":
			st.VaultKey = "live"
		default:
			st.Live = append(st.Live, k.Epoch)
		}
	}
	slices.Sort(st.Live)
	return json.Marshal(st)
}

// printEpochStatus prints the epochs' part of `callvault retention status`.
func printEpochStatus(w io.Writer, raw json.RawMessage) {
	var st epochStatus
	if len(raw) == 0 || json.Unmarshal(raw, &st) != nil {
		return
	}
	var months []string
	for _, ep := range st.Live {
		if ep != callvault.HoldEpoch {
			months = append(months, ep)
		}
	}
	if len(months) > 0 {
		fmt.Fprintf(w, "key epochs live: %d months, %s to %s\n", len(months), months[0], months[len(months)-1])
	} else {
		fmt.Fprintln(w, "key epochs live: none")
	}
	for _, d := range st.Destroyed {
		fmt.Fprintf(w, "key epoch destroyed: %s on %s\n", d.Epoch, d.DestroyedAt.In(callvault.DefaultZone()).Format(time.DateOnly))
	}
	if st.VaultKey != "" {
		fmt.Fprintf(w, "vault key (recordings from before key epochs): %s\n", st.VaultKey)
	}
}
