package main

import (
	"github.com/callvault/callvault/internal/ui"
)

// pages wires the web pages to the same services as the API.
func (m *Main) pages() *ui.Pages {
	zone, _ := m.Config.zone() // validated with the config
	return ui.New(ui.Config{Identity: m.Identity, Access: m.Access, Rules: m.Access.Rules, Zone: zone,
		Now: m.Now, Logger: m.Logger})
}
