package ui

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// qrSVG draws text as a QR code in SVG, on the server (no script, no third party): one path of
// unit squares with a four-module quiet zone. It is what an authenticator app scans.
func qrSVG(text string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("ui: encoding a QR code: %w", err)
	}
	b := code.Bounds()
	n := b.Dx()
	const quiet = 4
	const qrModule = 5 // pixels per module: whole pixels keep the edges sharp
	var d strings.Builder
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA(); r == 0 {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	size := n + 2*quiet
	// Only digits and the fixed path syntax reach the markup: nothing of text is echoed.
	svg := fmt.Sprintf(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="QR code for your authenticator app" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		size*qrModule, size*qrModule, size, size, size, size, d.String())
	return template.HTML(svg), nil
}
