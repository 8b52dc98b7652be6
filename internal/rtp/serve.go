package rtp

import (
	"net"
	"time"
)

// Serve reads packets from conn into s until conn is closed, calling seen (if not nil) with the
// arrival time of each packet. It is the stream's only writer.
func (s *Stream) Serve(conn net.PacketConn, seen func(time.Time)) {
	buf := make([]byte, 2048)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return
		}
		now := time.Now()
		s.Write(buf[:n], now)
		if seen != nil {
			seen(now)
		}
	}
}
