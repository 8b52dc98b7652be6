package main

import (
	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/pci"
)

// pciAlerter is the card-data alert of the archive: an audit event and a mail to the DPO
// (dpo_email until the users with role dpo are wired in as pci.Recipients).
func (m *Main) pciAlerter() *pci.Alerter {
	store, _ := m.Catalogue.(pci.Store) // every catalogue has the outbox
	a := &pci.Alerter{
		Store:      store,
		DPO:        pci.StaticRecipients(m.Config.DPOEmail),
		Link:       func(id string) string { return m.dpoLinkBase() + "/recordings/" + id },
		AfterAudit: m.afterAudit,
		Logger:     m.Logger,
	}
	return a
}

// dpoLinkBase is the base URL of the links in mail to the DPO: the HTTP listen address.
// TODO(lead): use the public_url setting once it lands.
func (m *Main) dpoLinkBase() string { return "http://" + m.Config.HTTP }

// validateDPOEmail checks the dpo_email setting.
func (c *Config) validateDPOEmail() error {
	for _, a := range c.DPOEmail {
		if err := callvault.ValidMailAddress(a); err != nil {
			return configError("dpo_email", callvault.ErrorMessage(err), "e.g. --dpo-email dpo@example.org")
		}
	}
	return nil
}
