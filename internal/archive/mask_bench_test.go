package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive/archivetest"
	"github.com/callvault/callvault/internal/audio"
)

// BenchmarkIngestMasking ingests a three-minute 8 kHz G.711 call with DTMF masking off (the
// baseline) and on, in the same run: the ratio of the two is masking's cost on ingest.
func BenchmarkIngestMasking(b *testing.B) {
	var wav bytes.Buffer
	n := 8000 * 180
	audio.WriteHeader(&wav, audio.MuLawFormat(8000, 1), int64(n))
	for i := range n {
		// A pseudo-random signal at about the level of speech, so that no block is skipped as
		// too quiet (the masker's worst case).
		wav.WriteByte(audio.MuLawEncode(int16(3 * ((i*7919*7919)%2003 - 1001))))
	}
	for _, mode := range []struct {
		name string
		opts *audio.MaskOptions
	}{{"off", nil}, {"all", &audio.MaskOptions{}}} {
		b.Run(mode.name, func(b *testing.B) {
			f := archivetest.New(b)
			f.Service.MaskDTMF = mode.opts
			b.SetBytes(int64(wav.Len()))
			i := 0
			for b.Loop() {
				i++
				r := &callvault.Recording{StartedAt: time.Now().Add(-time.Hour), Source: callvault.SourceUpload, SourceID: fmt.Sprint("bench-", i)}
				if _, _, err := f.Service.Ingest(context.Background(), callvault.IngestRequest{Actor: "bench", Recording: r, Audio: bytes.NewReader(wav.Bytes())}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
