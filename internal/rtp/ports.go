package rtp

import (
	"net"
	"net/netip"
	"sync"

	"github.com/callvault/callvault"
)

// PortPool hands out RTP/RTCP port pairs (an even RTP port and the odd port above it) from a
// configured range on one address.
type PortPool struct {
	ip       netip.Addr
	min, max int // even bounds of the range; 0 means ephemeral ports without RTCP

	mu   sync.Mutex
	used map[int]bool
	next int
}

// NewPortPool returns a pool of port pairs in [min, max] on ip. min = max = 0 asks the system
// for ephemeral RTP ports (no RTCP port is reserved then), for tests.
func NewPortPool(ip netip.Addr, min, max int) (*PortPool, error) {
	if min == 0 && max == 0 {
		return &PortPool{ip: ip, used: map[int]bool{}}, nil
	}
	if min < 1024 || max > 65535 || max < min+1 {
		return nil, callvault.Errorf(callvault.KindInvalid, "RTP port range %d-%d is invalid; use an even range within 1024-65535 holding at least one pair", min, max)
	}
	if min%2 == 1 {
		min++
	}
	return &PortPool{ip: ip, min: min, max: max, used: map[int]bool{}, next: min}, nil
}

// Pair is a bound RTP socket and, from a configured range, its RTCP socket.
type Pair struct {
	Port int
	RTP  *net.UDPConn
	RTCP *net.UDPConn // nil for ephemeral ports
	pool *PortPool
}

// Listen binds the next free pair. It returns KindUnavailable when every pair is in use.
func (p *PortPool) Listen() (*Pair, error) {
	if p.min == 0 {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, 0)))
		if err != nil {
			return nil, callvault.WrapError(callvault.KindUnavailable, err, "cannot bind an RTP port")
		}
		return &Pair{Port: c.LocalAddr().(*net.UDPAddr).Port, RTP: c, pool: p}, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pairs := (p.max - p.min + 1) / 2
	for range pairs {
		port := p.next
		p.next += 2
		if p.next+1 > p.max {
			p.next = p.min
		}
		if p.used[port] {
			continue
		}
		rtpc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port))))
		if err != nil {
			continue // taken by another process
		}
		rtcpc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port+1))))
		if err != nil {
			rtpc.Close()
			continue
		}
		p.used[port] = true
		return &Pair{Port: port, RTP: rtpc, RTCP: rtcpc, pool: p}, nil
	}
	return nil, callvault.Errorf(callvault.KindUnavailable, "no free RTP port pair in %d-%d; widen the RTP port range", p.min, p.max)
}

// Close closes the sockets and returns the pair to the pool. It is safe to call twice.
func (pr *Pair) Close() error {
	if pr == nil || pr.RTP == nil {
		return nil
	}
	err := pr.RTP.Close()
	if pr.RTCP != nil {
		pr.RTCP.Close()
	}
	pr.RTP, pr.RTCP = nil, nil
	if pr.pool.min != 0 {
		pr.pool.mu.Lock()
		delete(pr.pool.used, pr.Port)
		pr.pool.mu.Unlock()
	}
	return err
}
