package archive

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"strconv"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// DTMF masking (PCI DSS: keyed card data must not be stored). When Service.MaskDTMF is set,
// the audio passes through an audio.WAVMasker before it is hashed and encrypted, so the
// unmasked tones never reach the blob store and the stored hashes are of the masked audio.
// The recording's attributes say what was masked; the digits are never known outside the
// masker. The attributes are callvault.AttrDTMFMasked and its siblings.

// maskWriter puts a WAVMasker in front of dst when masking is on; digits, if set, gives it the
// digits signalled out of band before each write.
func (s *Service) maskWriter(dst io.Writer, wav *audio.WAVReader, digits func() []callvault.SignalledDigit) (io.Writer, *audio.WAVMasker, error) {
	if s.MaskDTMF == nil {
		return dst, nil, nil
	}
	m, err := audio.NewWAVMasker(dst, wav, *s.MaskDTMF)
	if err != nil {
		return nil, nil, err
	}
	if digits != nil {
		return &signalledWriter{m: m, digits: digits}, m, nil
	}
	return m, m, nil
}

// signalledWriter passes the digits signalled so far to the masker before each write.
type signalledWriter struct {
	m      *audio.WAVMasker
	digits func() []callvault.SignalledDigit
}

func (w *signalledWriter) Write(p []byte) (int, error) {
	for _, d := range w.digits() {
		w.m.Signal(d.Digit, d.Start, d.End)
	}
	return w.m.Write(p)
}

// finishMask flushes the masker and returns its report (nil when masking is off).
func finishMask(m *audio.WAVMasker) (*audio.MaskReport, error) {
	if m == nil {
		return nil, nil
	}
	if err := m.Close(); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot finish masking the recording's keyed digits")
	}
	r := m.Report()
	return &r, nil
}

// maskedHash returns the SHA-256 that a WAV file would be stored under, masked when masking is on.
func (s *Service) maskedHash(h io.Writer, r io.Reader) error {
	if s.MaskDTMF == nil {
		_, err := io.Copy(h, r)
		return err
	}
	wav, err := audio.NewWAVReader(r)
	if err != nil {
		return err
	}
	dst, m, err := s.maskWriter(h, wav, nil)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, wav); err != nil {
		return err
	}
	_, err = finishMask(m)
	return err
}

// maskAttributes records in r what masking changed.
func maskAttributes(r *callvault.Recording, rep *audio.MaskReport, rate int) {
	if rep == nil {
		return
	}
	r.Attributes = maps.Clone(r.Attributes) // the caller's map is not ours to change
	if r.Attributes == nil {
		r.Attributes = map[string]string{}
	}
	r.Attributes[callvault.AttrDTMFMasked] = strconv.Itoa(len(rep.Masked))
	if len(rep.Masked) > 0 {
		spans := make([][2]int64, len(rep.Masked))
		for i, sp := range rep.Masked {
			spans[i] = [2]int64{sp.Start * 1000 / int64(rate), (sp.End*1000 + int64(rate) - 1) / int64(rate)}
		}
		b, _ := json.Marshal(spans)
		r.Attributes[callvault.AttrDTMFMaskedSpans] = string(b)
	}
	if rep.Kept > 0 {
		r.Attributes[callvault.AttrDTMFKept] = strconv.Itoa(rep.Kept)
	}
	if len(rep.CardLike) > 0 {
		r.Attributes[callvault.AttrCardDataKeyed] = "true"
	}
	if rep.Late > 0 {
		r.Attributes[callvault.AttrDTMFLateMS] = strconv.FormatInt((rep.Late*1000+int64(rate)-1)/int64(rate), 10)
	}
}

// maskedCount is the ingest audit event's count of masked spans: nil (left out) when masking
// is off.
func maskedCount(rep *audio.MaskReport) any {
	if rep == nil {
		return nil
	}
	return len(rep.Masked)
}

// cardDataKeyed is the ingest audit event's card flag: nil (left out) unless a card-like
// number was keyed.
func cardDataKeyed(rep *audio.MaskReport) any {
	if rep == nil || len(rep.CardLike) == 0 {
		return nil
	}
	return true
}

// cardData raises the alert of a recording in which a card-like number was keyed: a warning
// in the log (the tones are masked; the digits were never known here) and OnCardData (the
// audit event and the DPO's mail), which runs to its end even if the request has gone. A
// signalled digit that came too late to be masked is warned about too.
func (s *Service) cardData(ctx context.Context, r *callvault.Recording, rep *audio.MaskReport, actor callvault.Actor) {
	if rep != nil && rep.Late > 0 {
		s.logger().Warn("a digit signalled out of band arrived after its audio had been stored; that audio could not be masked",
			"recording", r.ID, "source", r.Source, "late_ms", r.Attributes[callvault.AttrDTMFLateMS])
	}
	if rep == nil || len(rep.CardLike) == 0 {
		return
	}
	s.logger().Warn("card data keyed on a recorded line; the tones were masked", "recording", r.ID, "source", r.Source)
	if s.OnCardData == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	if err := s.OnCardData(ctx, r, actor); err != nil {
		s.logger().Error("cannot raise the card data alert of a recording", "recording", r.ID, "err", err)
	}
}
