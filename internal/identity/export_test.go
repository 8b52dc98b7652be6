package identity

import "sync/atomic"

// CountHashes makes s count the password hashes it computes (the argon2 work of a sign-in).
func CountHashes(s *Service) *atomic.Int64 {
	n := new(atomic.Int64)
	s.verify = func(hash, password string) bool {
		n.Add(1)
		return CheckPassword(hash, password)
	}
	return n
}
