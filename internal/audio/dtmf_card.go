package audio

// Card-number watch. The digits keyed on a call are held here, in memory, only as long as the
// check needs them, and never leave this file: callers learn whether a card-like sequence was
// keyed and when, not which digits.

const (
	cardMinDigits = 13
	cardMaxDigits = 19
	// keepDigits is how many digits of a run a masker keeps audible when asked to keep short
	// runs: PCI DSS lets the first six digits of a card number be kept in the clear, and menu
	// choices, extensions and most PINs are shorter.
	keepDigits = 6
	// keepHorizon: a masker keeping short runs keeps no more than keepDigits digits within
	// this time, whatever the pauses between them: a card number keyed in groups with long
	// pauses (an IVR's prompts) is not a string of short runs.
	keepHorizon = 20 // seconds
)

// keyedDigit is one digit with its span in frames.
type keyedDigit struct {
	digit      byte
	start, end int64
}

// cardWatch groups digits into runs (a pause of runGap frames or a non-numeric key ends a run)
// and checks each run for a 13-19 digit sequence that passes the Luhn check.
type cardWatch struct {
	runGap int64
	dedup  int64 // a digit overlapping an identical one, or within this many frames of it, is the same key

	head    []keyedDigit // the first cardMaxDigits digits of the current run
	tail    []keyedDigit // the last cardMaxDigits digits of the current run (a ring)
	tailPos int
	runLen  int
	recent  []keyedDigit // the last digits, to recognise one key heard twice
	ends    []int64      // where the last keepDigits numeric digits ended, oldest first
	long    bool         // a run longer than keepDigits was seen
	spans   []Span       // card-like sequences found
}

func newCardWatch(runGap, dedup int64) *cardWatch {
	return &cardWatch{runGap: runGap, dedup: dedup}
}

// duplicate reports whether d is a key already noted: the same digit heard on another channel,
// or signalled and heard in-band.
func (c *cardWatch) duplicate(d keyedDigit) bool {
	for _, r := range c.recent {
		if r.digit == d.digit && d.start < r.end+c.dedup && r.start < d.end+c.dedup {
			return true
		}
	}
	return false
}

// runLength returns how many digits the run has that a digit starting at start would join.
func (c *cardWatch) runLength(start int64) int {
	if c.runLen == 0 || start-c.lastEnd() >= c.runGap {
		return 0
	}
	return c.runLen
}

// recentDigits returns how many of the last keepDigits numeric digits ended less than horizon
// frames before start.
func (c *cardWatch) recentDigits(start, horizon int64) int {
	n := 0
	for _, e := range c.ends {
		if start-e < horizon {
			n++
		}
	}
	return n
}

func (c *cardWatch) lastEnd() int64 {
	if c.runLen == 0 {
		return 0
	}
	i := (c.tailPos + cardMaxDigits - 1) % cardMaxDigits
	if len(c.tail) < cardMaxDigits {
		i = len(c.tail) - 1
	}
	return c.tail[i].end
}

// add notes a keyed digit; it reports false if the digit was a duplicate.
func (c *cardWatch) add(d keyedDigit) bool {
	if c.duplicate(d) {
		return false
	}
	if len(c.recent) == 4 {
		copy(c.recent, c.recent[1:])
		c.recent = c.recent[:3]
	}
	c.recent = append(c.recent, d)
	if c.runLen > 0 && d.start-c.lastEnd() >= c.runGap {
		c.endRun()
	}
	if d.digit < '0' || d.digit > '9' {
		c.endRun()
		return true
	}
	if len(c.ends) == keepDigits {
		c.ends = c.ends[:copy(c.ends, c.ends[1:])]
	}
	c.ends = append(c.ends, d.end)
	if len(c.head) < cardMaxDigits {
		c.head = append(c.head, d)
	}
	if len(c.tail) < cardMaxDigits {
		c.tail = append(c.tail, d)
	} else {
		c.tail[c.tailPos] = d
		c.tailPos = (c.tailPos + 1) % cardMaxDigits
	}
	c.runLen++
	if c.runLen > keepDigits {
		c.long = true
	}
	return true
}

// endRun checks the run that ends: its sequences of 13 to 19 digits that begin where it begins
// or end where it ends (a menu choice may come just before a card number, a hash just after).
// A sequence in the middle of a longer run is not checked: most runs of 20 and more digits
// would hold one that passes the Luhn check by chance.
func (c *cardWatch) endRun() {
	defer c.forget()
	n := c.runLen
	if n < cardMinDigits {
		return
	}
	tail := make([]keyedDigit, len(c.tail))
	for i := range tail {
		tail[i] = c.tail[(c.tailPos+i)%len(c.tail)]
	}
	defer clear(tail)
	for l := cardMinDigits; l <= min(n, cardMaxDigits); l++ {
		for _, seq := range [][]keyedDigit{c.head[:l], tail[len(tail)-l:]} {
			if luhn(seq) {
				c.spans = append(c.spans, Span{Start: seq[0].start, End: seq[len(seq)-1].end})
				return
			}
		}
	}
}

func (c *cardWatch) forget() {
	clear(c.head)
	clear(c.tail)
	c.head, c.tail, c.tailPos, c.runLen = c.head[:0], c.tail[:0], 0, 0
}

// close ends the last run and forgets every digit.
func (c *cardWatch) close() {
	c.endRun()
	clear(c.recent)
	c.recent = c.recent[:0]
}

// luhn reports whether the digits pass the Luhn (mod 10) check.
func luhn(seq []keyedDigit) bool {
	sum := 0
	for i := range seq {
		v := int(seq[len(seq)-1-i].digit - '0')
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}
