package ui

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// waveBuckets is how many stretches a waveform has: about one per pixel of a laptop's player.
const waveBuckets = 1000

// waveCacheSize bounds the waveforms kept in memory (each is a few kilobytes).
const waveCacheSize = 64

// waveform is GET /grants/{id}/waveform/{rec}: the peaks of a recording of the signed-in
// person's live grant, as JSON, for player.js to draw.
//
// Computing them decrypts the whole recording, so it is a listening: the same decision as the
// audio (recording.listen under a live grant of the person covering the recording, checked on
// every request) and the same audit event, recording.listen, whose range reads "waveform". It
// joins the listening the player's audio requests make in the same session, as they do each
// other. The peaks are never written to disk: a small bounded memory cache keyed by the
// recording and its audio's hash (a re-masked recording has new peaks) spares decrypting the
// whole file again, and is consulted only after the grant has been checked and the listening
// audited.
func (p *Pages) waveform(w http.ResponseWriter, r *http.Request) {
	me, rid := principal(r.Context()), r.PathValue("rec")
	req, err := p.myLiveGrant(r, r.PathValue("id"))
	if err == nil && !slices.Contains(req.RecordingIDs, rid) {
		err = callvault.Errorf(callvault.KindNotFound, "this grant does not cover that recording")
	}
	if err == nil && p.peaks == nil {
		err = callvault.Errorf(callvault.KindNotFound, "this server draws no waveforms")
	}
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	op, err := p.access.Listen(r.Context(), me, rid, false, "waveform")
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	defer op.Release()
	rec := op.Audio.Recording()
	key := rid + ":" + rec.PlainSHA256
	peaks, ok := p.waves.get(key)
	if !ok {
		if peaks, err = p.peaks(op.Audio, op.Audio.Size(), waveBuckets); err != nil {
			p.Fail(w, r, err)
			return
		}
		p.waves.put(key, peaks)
	}
	out := waveJSON{DurationMS: rec.Duration.Milliseconds(), Channels: make([]waveChannel, len(peaks))}
	for ch, pk := range peaks {
		out.Channels[ch] = waveChannel{Channel: ch, Peaks: pk}
		out.Buckets = len(pk) / 2
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	json.NewEncoder(w).Encode(out)
}

// waveJSON is the waveform's answer: per channel, min and max (int8) of each bucket.
type waveJSON struct {
	DurationMS int64         `json:"duration_ms"`
	Buckets    int           `json:"buckets"`
	Channels   []waveChannel `json:"channels"`
}

type waveChannel struct {
	Channel int    `json:"channel"`
	Peaks   []int8 `json:"peaks"` // min0, max0, min1, max1, ...
}

// waveCache keeps the latest waveforms in memory, never on disk, dropping the oldest.
type waveCache struct {
	mu    sync.Mutex
	max   int
	order []string
	m     map[string][][]int8
}

func newWaveCache(max int) *waveCache { return &waveCache{max: max, m: map[string][][]int8{}} }

func (c *waveCache) get(key string) ([][]int8, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *waveCache) put(key string, v [][]int8) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok {
		return
	}
	for len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, key)
	c.m[key] = v
}

// lane is one channel of a recording as the player shows it.
type lane struct {
	Channel int
	Label   string
}

// channelLanes names what a recording's channels hold, from its channel_layout attribute (SIPREC
// sets it) and direction: a split recording (the layout of uploads too: caller left, the other
// party right) shows its two sides apart; a mixed one, where both channels carry the same
// audio, shows one.
func channelLanes(rec *callvault.Recording) []lane {
	if rec.Channels < 2 {
		return []lane{{0, "Both sides"}}
	}
	switch rec.Attributes["channel_layout"] {
	case "mixed":
		return []lane{{0, "Both sides (mixed)"}}
	case "mixed+split":
		return []lane{{0, "Channel 1"}, {1, "Channel 2"}}
	}
	switch rec.Direction {
	case callvault.DirectionInbound:
		return []lane{{0, "Caller"}, {1, "Staff"}}
	case callvault.DirectionOutbound:
		return []lane{{0, "Staff (placed the call)"}, {1, "Called party"}}
	}
	return []lane{{0, "Caller"}, {1, "Other party"}}
}

// marker is a stretch of the time line: a pause of the recording or digits masked.
type marker struct {
	Kind           string // "pause" or "masked"
	Label          string
	StartMS, EndMS int64
	count          int // stretches merged into it
}

// HasMarks reports whether the player has marks of kind.
func (v *playerView) HasMarks(kind string) bool {
	return slices.ContainsFunc(v.Markers, func(m marker) bool { return m.Kind == kind })
}

// StartSeconds is where the player seeks to for the marker.
func (m marker) StartSeconds() float64 { return float64(m.StartMS) / 1000 }

// markers reads the pauses (attribute "pauses": [{from, to, by}], absolute times; an open one
// lasts to the end) and the masked stretches (dtmf_masked_spans: [[start_ms, end_ms]]) of a
// recording, in time order, those of a kind close together merged (mergeMarkers). Malformed
// attributes are ignored: they only decorate the player.
func markers(rec *callvault.Recording) []marker {
	length := rec.Duration.Milliseconds()
	clamp := func(ms int64) int64 { return max(0, min(ms, length)) }
	var out []marker
	var pauses []struct {
		From time.Time `json:"from"`
		To   time.Time `json:"to"`
	}
	if json.Unmarshal([]byte(rec.Attributes["pauses"]), &pauses) == nil {
		for _, pz := range pauses {
			start, end := clamp(pz.From.Sub(rec.StartedAt).Milliseconds()), length
			if !pz.To.IsZero() {
				end = clamp(pz.To.Sub(rec.StartedAt).Milliseconds())
			}
			if end > start {
				out = append(out, marker{Kind: "pause", StartMS: start, EndMS: end})
			}
		}
	}
	var spans [][2]int64
	if json.Unmarshal([]byte(rec.Attributes[callvault.AttrDTMFMaskedSpans]), &spans) == nil {
		for _, sp := range spans {
			start, end := clamp(sp[0]), clamp(sp[1])
			if end > start {
				out = append(out, marker{Kind: "masked", StartMS: start, EndMS: end})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b marker) int { return cmp.Compare(a.StartMS, b.StartMS) })
	return mergeMarkers(out)
}

// markerGap is how close two marks of a kind must be to be shown as one: a card number keyed
// is sixteen tones, one stretch for whoever listens.
const markerGap = 1500

// mergeMarkers joins the marks of a kind that follow each other within markerGap (out is in
// time order), saying how many stretches each stands for.
func mergeMarkers(in []marker) []marker {
	var out []marker
	last := map[string]int{} // kind -> index in out of its latest mark
	for _, m := range in {
		if i, ok := last[m.Kind]; ok && m.StartMS-out[i].EndMS <= markerGap {
			out[i].EndMS = max(out[i].EndMS, m.EndMS)
			out[i].count++
			continue
		}
		m.count = 1
		last[m.Kind] = len(out)
		out = append(out, m)
	}
	for i := range out {
		m := &out[i]
		what := "Recording paused"
		if m.Kind == "masked" {
			what = "Keyed digits silenced"
		}
		m.Label = what + " from " + clock(m.StartMS) + " to " + clock(m.EndMS)
		if m.count > 1 {
			m.Label += " (" + itoa(m.count) + " stretches)"
		}
	}
	return out
}

// clock shows a position in a recording as 1:05, to the second.
func clock(ms int64) string { return formatDuration(time.Duration(ms) * time.Millisecond) }
