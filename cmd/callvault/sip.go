package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/siprec"
)

// startSIP starts the SIPREC recording server when --sip or --sip-tls is set. Its pause,
// resume, PCI-stop and declined-session events go to the audit log.
func (m *Main) startSIP(ctx context.Context, reg prometheus.Registerer) (*siprec.Server, error) {
	cfg := &m.Config
	if cfg.SIP == "" && cfg.SIPTLS == "" {
		return nil, nil
	}
	lo, hi, _ := cfg.rtpRange()
	var allow []netip.Prefix
	for _, p := range cfg.SIPAllow {
		pfx, _ := parsePrefix(p) // validated with the config
		allow = append(allow, pfx)
	}
	sc := siprec.Config{
		Archive:             m.Archive,
		UDPAddr:             cfg.SIP,
		TCPAddr:             cfg.SIP,
		TLSAddr:             cfg.SIPTLS,
		MediaIP:             cfg.MediaIP,
		RTPPortMin:          lo,
		RTPPortMax:          hi,
		AllowFrom:           allow,
		Unrecorded:          cfg.Unrecorded,
		AnnouncementHeader:  cfg.Announcement,
		Region:              cfg.Region,
		IdleTimeout:         cfg.SIPIdleTimeout,
		MessageTimeout:      cfg.SIPMessageTimeout,
		MaxConnsPerSource:   int(cfg.SIPMaxConns),
		AckTimeout:          cfg.SIPAckTimeout,
		MaxPendingPerSource: int(cfg.SIPMaxPending),
		RequireSRTP:         cfg.SIPRequireSRTP,
		StartWindow:         cfg.SIPStartWindow,
		Logger:              m.Logger.With("component", "siprec"),
		Metrics:             reg,
		OnEvent: func(ctx context.Context, ev callvault.AuditEvent) {
			if err := m.Catalogue.AppendAudit(ctx, &ev); err != nil {
				m.Logger.Error("cannot audit a SIPREC event", "action", ev.Action, "object", ev.Object, "err", err)
				return
			}
			m.afterAudit(ctx)
		},
	}
	if sc.MediaIP == "" {
		if ap, err := netip.ParseAddrPort(cfg.SIP); err == nil && !ap.Addr().IsUnspecified() {
			sc.MediaIP = ap.Addr().String()
		}
	}
	if cfg.SIPTLS != "" {
		cert, err := tls.LoadX509KeyPair(cfg.SIPCert, cfg.SIPKey)
		if err != nil {
			return nil, &usageError{msg: fmt.Sprintf("config sip_cert/sip_key: %v", err), hint: "give a PEM certificate and its private key"}
		}
		sc.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s, err := siprec.New(sc)
	if err != nil {
		return nil, err
	}
	if err := s.Start(ctx); err != nil {
		return nil, &usageError{msg: fmt.Sprintf("cannot start SIPREC on %s: %v", cfg.SIP, err), hint: "choose another address with --sip, or free the port"}
	}
	return s, nil
}
