package callvault

import "time"

// VaultKeyKind says which of the vault's keys a VaultKey is the public half of.
type VaultKeyKind string

const (
	// VaultKeyRecipient is the age recipient of a key epoch ("age1pq1..."): what seals.
	VaultKeyRecipient VaultKeyKind = "recipient"
	// VaultKeyAuditVerify is the ed25519 key that verifies audit checkpoint signatures
	// (standard base64 of the 32-byte key).
	VaultKeyAuditVerify VaultKeyKind = "audit-verify"
)

// VaultKey is the public half of one of the vault's keys, as the catalogue records it when the
// key is first used with it. Every node checks the keys it was given against these records, so
// that a node started with other keys (a forgotten --keys, a copy of the wrong directory) is
// refused instead of sealing recordings no other node can open or signing checkpoints no
// verifier accepts. Private keys never reach the catalogue.
type VaultKey struct {
	Kind      VaultKeyKind `json:"kind"`
	Epoch     string       `json:"epoch"`  // key epoch of a recipient ("" is the vault key); "" for the audit verify key
	Public    string       `json:"public"` // the recipient, or the verify key in base64
	CreatedAt time.Time    `json:"created_at"`
}

// Validate returns KindInvalid for a key no catalogue may record: an unknown kind, an empty
// public value, or an epoch on the audit verify key (it has none). Stores call it.
func (k *VaultKey) Validate() error {
	switch {
	case k == nil:
		return Errorf(KindInvalid, "no vault key given")
	case k.Kind != VaultKeyRecipient && k.Kind != VaultKeyAuditVerify:
		return Errorf(KindInvalid, "vault key kind %q is not %s or %s", k.Kind, VaultKeyRecipient, VaultKeyAuditVerify)
	case k.Public == "":
		return Errorf(KindInvalid, "vault key %s %q has no public value", k.Kind, k.Epoch)
	case k.Kind == VaultKeyAuditVerify && k.Epoch != "":
		return Errorf(KindInvalid, "the audit verify key has no epoch (got %q)", k.Epoch)
	}
	return nil
}
