package cases

import (
	"context"
	"fmt"
	"strings"

	"github.com/callvault/callvault"
)

// ExternalInput is an external body's request as the DPO opens the case: the body and the
// legal basis it cites are required, the officer and the body's reference when it gave them.
type ExternalInput struct {
	Body       string `json:"body"`
	Officer    string `json:"officer"`
	Reference  string `json:"reference"`
	LegalBasis string `json:"legal_basis"`
}

// maxExternalText bounds each of an external request's texts.
const maxExternalText = 500

// external checks the external request of a case of type t: required for external_body,
// refused for any other type.
func external(fe *callvault.FieldErrors, t callvault.CaseType, in *ExternalInput) *callvault.CaseExternal {
	if t != callvault.CaseExternalBody {
		if in != nil {
			fe.Add("external", "is only for external_body cases")
		}
		return nil
	}
	if in == nil {
		fe.Add("external", "is required for an external_body case: {\"body\",\"officer\",\"reference\",\"legal_basis\"}")
		return nil
	}
	out := &callvault.CaseExternal{Body: strings.TrimSpace(in.Body), Officer: strings.TrimSpace(in.Officer),
		Reference: strings.TrimSpace(in.Reference), LegalBasis: strings.TrimSpace(in.LegalBasis)}
	if out.Body == "" {
		fe.Add("external.body", "is required: who asked (e.g. the police force)")
	}
	if out.LegalBasis == "" {
		fe.Add("external.legal_basis", "is required: the legal basis the body cites (e.g. DPA 2018 Schedule 2 paragraph 2)")
	}
	for field, v := range map[string]string{"external.body": out.Body, "external.officer": out.Officer, "external.reference": out.Reference, "external.legal_basis": out.LegalBasis} {
		if len(v) > maxExternalText {
			fe.Add(field, fmt.Sprintf("is longer than %d bytes", maxExternalText))
		}
	}
	return out
}

// decideExternal checks the DPO's decision and reasoning on closing case c and records them:
// required for an external_body case (disclose and partial need a disclosure bundle written
// out first, refuse needs none), refused for any other type.
func (s *Service) decideExternal(c *callvault.Case, p *callvault.Principal, in CloseInput) error {
	decision, reasoning := strings.TrimSpace(in.Decision), strings.TrimSpace(in.Reasoning)
	var fe callvault.FieldErrors
	if c.Type != callvault.CaseExternalBody {
		if decision != "" || reasoning != "" {
			fe.Add("decision", "decision and reasoning are only for external_body cases; say the outcome")
		}
		return fe.Err()
	}
	switch decision {
	case "":
		fe.Add("decision", "is required: disclose, partial or refuse")
	case callvault.ExternalDisclose, callvault.ExternalPartial:
		if len(c.Disclosures) == 0 {
			fe.Add("decision", "nothing was disclosed yet: make the disclosure bundle before closing, or decide refuse")
		}
	case callvault.ExternalRefuse:
		if len(c.Disclosures) > 0 {
			fe.Add("decision", fmt.Sprintf("%d disclosure bundles were made: the decision is disclose or partial", len(c.Disclosures)))
		}
	default:
		fe.Add("decision", fmt.Sprintf("unknown decision %q: disclose, partial or refuse", decision))
	}
	switch {
	case reasoning == "":
		fe.Add("reasoning", "is required: why the DPO decided so")
	case len(reasoning) > 4000:
		fe.Add("reasoning", "is longer than 4000 bytes")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ext := callvault.CaseExternal{}
	if c.External != nil {
		ext = *c.External
	}
	ext.Decision, ext.Reasoning, ext.DecidedAt, ext.DecidedBy = decision, reasoning, s.now(), string(p.Actor)
	c.External = &ext
	return nil
}

// RecordDisclosure records on the case that the bundle e was written out in full (call it
// after e.Write succeeded): its manifest's SHA-256 and recordings, with a case.disclosed
// audit event. A closed case keeps its record as it was; the audit event still says it.
func (s *Service) RecordDisclosure(ctx context.Context, p *callvault.Principal, e *Export) error {
	if e.ManifestSHA256 == "" {
		return callvault.Errorf(callvault.KindInternal, "bundle of case %s was not written out", e.Case.Reference)
	}
	d := callvault.CaseDisclosure{At: s.now(), Actor: string(p.Actor), ManifestSHA256: e.ManifestSHA256, Recordings: e.Recordings()}
	for attempt := 0; ; attempt++ {
		c, err := s.load(ctx, p, callvault.ActCaseExport, e.Case.ID)
		if err != nil {
			return err
		}
		ev := s.event(ctx, p, callvault.ActionCaseDisclosed, c, map[string]any{"manifest_sha256": d.ManifestSHA256, "recordings": len(d.Recordings)})
		if c.Status == callvault.CaseClosed {
			if err := s.Store.AppendAudit(ctx, ev); err != nil {
				return err
			}
			s.after(ctx)
			return nil
		}
		c.Disclosures = append(c.Disclosures, d)
		s.step(c, p, "disclosed", "bundle manifest sha256 "+d.ManifestSHA256)
		err = s.update(ctx, c, ev)
		if err == nil || !callvault.IsKind(err, callvault.KindConflict) || attempt == 2 {
			return err
		}
	}
}
