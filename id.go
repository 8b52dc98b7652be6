package callvault

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

var idState struct {
	sync.Mutex
	lastMS  int64
	counter uint16
}

// NewID returns a UUIDv7 (RFC 9562) as a 36-character string. IDs from one process sort in
// creation order: within one millisecond a 12-bit counter keeps them increasing.
func NewID() string { return newID(time.Now()) }

func newID(now time.Time) string {
	ms := now.UnixMilli()
	idState.Lock()
	if ms <= idState.lastMS {
		ms = idState.lastMS
		idState.counter++
		if idState.counter > 0x0fff {
			ms++
			idState.counter = 0
		}
	} else {
		idState.counter = 0
	}
	idState.lastMS = ms
	counter := idState.counter
	idState.Unlock()

	var b [16]byte
	rand.Read(b[8:])
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16)
	b[6] = 0x70 | byte(counter>>8)
	b[7] = byte(counter)
	b[8] = 0x80 | b[8]&0x3f
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// ValidID reports whether s looks like an ID made by NewID (lower-case UUID text form).
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
