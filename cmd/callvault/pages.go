package main

import (
	"io"

	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/ui"
)

// pages wires the web pages to the same services as the API.
func (m *Main) pages() *ui.Pages {
	zone, _ := m.Config.zone() // validated with the config
	cfg := ui.Config{Identity: m.Identity, Access: m.Access, Rules: m.Access.Rules, Zone: zone,
		Now: m.Now, Logger: m.Logger}
	// The player's waveform, staff flags and the listening page (uiplayer).
	cfg.Peaks = func(a io.ReaderAt, size int64, buckets int) ([][]int8, error) {
		w, err := audio.Peaks(a, size, buckets)
		if err != nil {
			return nil, err
		}
		return w.Peaks, nil
	}
	cfg.Organisation = m.Config.OrganisationName
	if m.Cases != nil {
		cfg.Flags = m.Cases
	}
	return ui.New(cfg)
}
