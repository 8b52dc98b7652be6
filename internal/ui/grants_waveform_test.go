package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

func TestChannelLanes(t *testing.T) {
	for _, c := range []struct {
		channels  int
		layout    string
		direction callvault.Direction
		want      string
	}{
		{1, "", callvault.DirectionInbound, "[{0 Both sides}]"},
		{2, "", callvault.DirectionInbound, "[{0 Caller} {1 Staff}]"},
		{2, "split", callvault.DirectionInbound, "[{0 Caller} {1 Staff}]"},
		{2, "split", callvault.DirectionOutbound, "[{0 Staff (placed the call)} {1 Called party}]"},
		{2, "", callvault.DirectionUnknown, "[{0 Caller} {1 Other party}]"},
		{2, "mixed", callvault.DirectionInbound, "[{0 Both sides (mixed)}]"},
		{2, "mixed+split", callvault.DirectionInbound, "[{0 Channel 1} {1 Channel 2}]"},
	} {
		rec := &callvault.Recording{Channels: c.channels, Direction: c.direction, Attributes: map[string]string{"channel_layout": c.layout}}
		if got := fmt.Sprint(channelLanes(rec)); got != c.want {
			t.Errorf("%d channels, layout %q, %s: %s, want %s", c.channels, c.layout, c.direction, got, c.want)
		}
	}
}

// TestMarkers reads pauses (absolute times, the last one still open) and masked stretches from
// a recording's attributes, in time order, clamped to the recording.
func TestMarkers(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	rec := &callvault.Recording{StartedAt: start, Duration: 3 * time.Minute, Attributes: map[string]string{
		"pauses":                      `[{"from":"2026-11-20T10:00:40Z","to":"2026-11-20T10:01:05Z","by":"user:sam"},{"from":"2026-11-20T10:02:30Z","by":"token:pbx"}]`,
		callvault.AttrDTMFMaskedSpans: `[[70000,74500],[10,10],[170000,999999]]`,
	}}
	var got []string
	for _, m := range markers(rec) {
		got = append(got, fmt.Sprintf("%s %d-%d %s", m.Kind, m.StartMS, m.EndMS, m.Label))
	}
	want := []string{
		"pause 40000-65000 Recording paused from 0:40 to 1:05",
		"masked 70000-74500 Keyed digits silenced from 1:10 to 1:15",
		"pause 150000-180000 Recording paused from 2:30 to 3:00",
		"masked 170000-180000 Keyed digits silenced from 2:50 to 3:00",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("markers:\n%q\nwant\n%q", got, want)
	}
	// Sixteen tones of a card number, 70 ms apart, are one mark; a pause is never merged with them.
	var spans []string
	for i := range 16 {
		spans = append(spans, fmt.Sprintf("[%d,%d]", 2000+i*140, 2070+i*140))
	}
	rec.Attributes = map[string]string{callvault.AttrDTMFMaskedSpans: "[" + strings.Join(spans, ",") + ",[9000,9500]]",
		"pauses": `[{"from":"2026-11-20T10:00:03Z","to":"2026-11-20T10:00:04Z"}]`}
	got = nil
	for _, m := range markers(rec) {
		got = append(got, fmt.Sprintf("%s %d-%d %s", m.Kind, m.StartMS, m.EndMS, m.Label))
	}
	want = []string{
		"masked 2000-4170 Keyed digits silenced from 0:02 to 0:04 (16 stretches)",
		"pause 3000-4000 Recording paused from 0:03 to 0:04",
		"masked 9000-9500 Keyed digits silenced from 0:09 to 0:10",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("merged markers:\n%q\nwant\n%q", got, want)
	}
	rec.Attributes = map[string]string{"pauses": "not json", callvault.AttrDTMFMaskedSpans: `{"a":1}`}
	if m := markers(rec); len(m) != 0 {
		t.Errorf("markers of malformed attributes: %v", m)
	}
}

func TestWaveCacheBounded(t *testing.T) {
	c := newWaveCache(2)
	for _, k := range []string{"a", "b", "c"} {
		c.put(k, [][]int8{{1, 2}})
	}
	if _, ok := c.get("a"); ok {
		t.Error("the oldest waveform was kept beyond the bound")
	}
	for _, k := range []string{"b", "c"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("waveform %s dropped", k)
		}
	}
}
