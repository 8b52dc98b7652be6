package callvault

// DTMF masking (PCI DSS): the archive may silence keyed digits (DTMF tones) in the audio
// before it is stored. What it silenced is noted in Recording.Attributes; which digits were
// keyed is never known outside the masker.
const (
	// AttrDTMFMasked is the number of stretches of audio silenced because digits were keyed
	// ("0" when masking was on and found nothing); absent when masking was off.
	AttrDTMFMasked = "dtmf_masked"
	// AttrDTMFMaskedSpans is a JSON array of [start_ms, end_ms] pairs, the silenced stretches.
	AttrDTMFMaskedSpans = "dtmf_masked_spans"
	// AttrDTMFKept is the number of tones left audible (masking of card-like sequences only).
	AttrDTMFKept = "dtmf_kept"
	// AttrCardDataKeyed is "true" when a card-like number (13-19 digits passing the Luhn
	// check) was keyed during the recording.
	AttrCardDataKeyed = "card_data_keyed"
	// AttrDTMFLateMS is how much audio (in milliseconds) was stored before a digit signalled
	// out of band (RFC 4733) over it arrived, and so could not be masked; absent when none.
	AttrDTMFLateMS = "dtmf_late_ms"
)

// SignalledDigit is a digit signalled out of band during a recording (an RFC 4733
// telephone-event), located in the recording's audio by frame: [Start, End).
type SignalledDigit struct {
	Digit      byte
	Start, End int64
}

// Audit actions of the PCI guard.
const (
	// ActionPCICardDataKeyed: a card-like number was keyed during a stored recording (its
	// tones masked when masking is on); the DPO is told. The detail never holds the digits.
	ActionPCICardDataKeyed = "pci.card_data_keyed"
	// ActionRecordingRemask: a stored recording's audio was masked and stored again (a new
	// blob and header, the old ones destroyed); the detail holds the old and new hashes.
	ActionRecordingRemask = "recording.remask"
)
