package callvault

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Audit actions. Every state change and every read of a recording appends one event.
const (
	ActionRecordingIngest   = "recording.ingest"
	ActionRecordingOpen     = "recording.open"
	ActionRecordingDelete   = "recording.delete"
	ActionRecordingPause    = "recording.pause"    // capture paused (e.g. SIPREC re-INVITE inactive)
	ActionRecordingResume   = "recording.resume"   // capture resumed
	ActionRecordingPCIStop  = "recording.pci_stop" // an unrecorded (payment) line joined: capture stopped
	ActionRecordingDeclined = "recording.declined" // a session with an unrecorded participant was refused
	ActionRecordingEnded    = "recording.ended"    // capture ended by the server (no media for the RTP timeout)
	ActionRecordingFailed   = "recording.failed"   // a captured recording the archive refused or failed to store
	ActionOrphanBlobDelete  = "blob.orphan_delete"
	ActionTokenCreate       = "token.create"
	ActionTokenRevoke       = "token.revoke"
	ActionTokenList         = "token.list" // the list of tokens was read
	ActionKeyCreate         = "key.create"
	ActionKeyRecord         = "key.record"    // the public halves of the vault's keys recorded in the catalogue
	ActionConfigChange      = "config.change" // a server started with settings that differ from the previous start's
	ActionServerStart       = "server.start"
	ActionServerStop        = "server.stop"
	ActionLogin             = "auth.login" // reserved for human users, which do not exist yet
	ActionLoginFailed       = "auth.login_failed"
	ActionAuditExport       = "audit.export"
	ActionAuditVerify       = "audit.verify"
	// ActionAuditWitnessRotate: the witness file was archived and a new one started, for
	// example after the catalogue was restored from a backup older than its checkpoints.
	ActionAuditWitnessRotate = "audit.witness_rotate"
)

// AuditEvent is one entry of the hash-chained audit log. Stores assign Seq, PrevHash and Hash
// when they append, inside the same transaction as the change the event describes.
type AuditEvent struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"` // UTC, truncated to microseconds (portable across stores)
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Object    string    `json:"object,omitempty"`
	Purpose   string    `json:"purpose,omitempty"`    // the business need / access request id
	RequestID string    `json:"request_id,omitempty"` // correlates with logs
	Detail    string    `json:"detail,omitempty"`     // compact JSON object with event-specific facts
	PrevHash  string    `json:"prev_hash"`            // hex; GenesisHash for the first event
	Hash      string    `json:"hash"`                 // hex SHA-256 over all fields above
}

// GenesisHash is the PrevHash of the first event of every log.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the hex SHA-256 of the event's canonical encoding: a version tag, then
// every field but Hash, each length-prefixed so that no two events encode alike.
func (e *AuditEvent) ComputeHash() string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field("callvault-audit-v1")
	field(strconv.FormatInt(e.Seq, 10))
	field(e.Time.UTC().Format(time.RFC3339Nano))
	field(e.Actor)
	field(e.Action)
	field(e.Object)
	field(e.Purpose)
	field(e.RequestID)
	field(e.Detail)
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal fills Seq, PrevHash and Hash for an event appended after the event (prevSeq, prevHash);
// prevSeq 0 and prevHash "" mean the log is empty. Stores call it inside their append transaction.
func (e *AuditEvent) Seal(prevSeq int64, prevHash string) {
	if prevHash == "" {
		prevHash = GenesisHash
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.Hash = e.ComputeHash()
}

// Checkpoint is a signed statement that the audit log's event Seq has hash Hash. Checkpoints are
// written every N events and at shutdown, signed with an ed25519 key kept outside the database,
// so that truncating or rewriting the log (even recomputing every hash) is detected.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Time      time.Time `json:"time"`      // UTC, microseconds
	KeyID     string    `json:"key_id"`    // hex of the first 8 bytes of SHA-256 of the public key
	Signature string    `json:"signature"` // base64 ed25519 signature of SignedBytes
}

// SignedBytes is the exact message a checkpoint signature covers.
func (c *Checkpoint) SignedBytes() []byte {
	return []byte("callvault-checkpoint-v1\n" + strconv.FormatInt(c.Seq, 10) + "\n" + c.Hash + "\n" +
		c.Time.UTC().Format(time.RFC3339Nano) + "\n" + c.KeyID + "\n")
}

// AuditDetail encodes event-specific facts as the compact JSON object of AuditEvent.Detail,
// leaving out empty values. Keys are sorted, so equal facts give equal details.
func AuditDetail(facts map[string]any) string {
	m := make(map[string]any, len(facts))
	for k, v := range facts {
		if v == nil || v == "" {
			continue
		}
		m[k] = v
	}
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		return `{"detail_error":"unencodable"}`
	}
	return string(b)
}
