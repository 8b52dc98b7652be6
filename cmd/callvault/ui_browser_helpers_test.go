package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callvault/callvault/internal/testenv"
)

// browser is a headless Chromium shared by the people of one test; each person has a browser
// context of their own (their own cookies), like separate computers.
type browser struct {
	t     *testing.T
	alloc context.Context
	root  context.Context
	axe   string // axe-core's source
	shots string // where screenshots go
}

// startBrowser starts Debian's chromium (CALLVAULT_TEST_CHROMIUM) headless, with background
// networking off and without the sandbox when running as root (it refuses to start otherwise).
func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin := testenv.Get(t, testenv.Chromium)
	axePath := testenv.Get(t, testenv.Axe)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("reading axe-core: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.WindowSize(1366, 768),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.Flag("mute-audio", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-domain-reliability", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	if err := chromedp.Do(root); err != nil { // starts the browser
		cancelRoot()
		cancelAlloc()
		t.Fatalf("starting chromium %s: %v", bin, err)
	}
	t.Cleanup(func() { cancelRoot(); cancelAlloc() })
	shots := os.Getenv("CALLVAULT_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join("..", "..", "screenshots") // git-ignored; the README links to it
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, root: root, alloc: alloc, axe: string(axe), shots: shots}
}

// person is one browser context (cookie jar) with its tab.
type person struct {
	b   *browser
	ctx context.Context
}

// person opens a new browser context; every action on it is bounded by a minute.
func (b *browser) person() *person {
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("new browser context: %v", err)
	}
	return &person{b: b, ctx: ctx}
}

// do runs steps, failing the test with what the page shows if they fail.
func (p *person) do(steps ...chromedp.Action[chromedp.Void]) {
	p.b.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.b.t.Fatalf("browser: %v\npage %s:\n%.2000s", err, p.url(), p.text())
	}
}

func (p *person) url() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	u, _ := chromedp.Run(ctx, chromedp.Location())
	return u
}

// text is the page's visible text.
func (p *person) text() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

// eval evaluates a script (awaiting a promise) into T.
func eval[T any](p *person, script string) T {
	p.b.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		p.b.t.Fatalf("evaluating %.80q on %s: %v", script, p.url(), err)
	}
	return v
}

// open navigates and returns the answer's HTTP status.
func (p *person) open(url string) int64 {
	p.b.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(url))
	if err != nil {
		p.b.t.Fatalf("opening %s: %v", url, err)
	}
	return resp.Status
}

// submit clicks a button that sends a form and waits for the next page.
func (p *person) submit(button string) int64 {
	p.b.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		p.b.t.Fatalf("submitting with %s on %s: %v\n%.1500s", button, p.url(), err, p.text())
	}
	return resp.Status
}

// wantText fails unless the page shows every string.
func (p *person) wantText(want ...string) {
	p.b.t.Helper()
	text := p.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			p.b.t.Fatalf("page %s does not show %q:\n%.2000s", p.url(), w, text)
		}
	}
}

// axeViolation is one finding of axe-core.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkPage runs the page checks every page gets: the stylesheet applied under the CSP (so no
// style was blocked), axe-core finds no serious or critical violation, and screenshots at
// laptop and phone width.
func (p *person) checkPage(name string) {
	p.b.t.Helper()
	if n := eval[int](p, `Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)`); n < 20 {
		p.b.t.Errorf("%s: the stylesheet did not apply (%d rules)", name, n)
	}
	eval[bool](p, p.b.axe+";\ntrue")
	raw := eval[json.RawMessage](p, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)})))`)
	var found []axeViolation
	if err := json.Unmarshal(raw, &found); err != nil {
		p.b.t.Fatalf("%s: axe answered %s: %v", name, raw, err)
	}
	for _, v := range found {
		p.b.t.Errorf("%s: accessibility (%s) %s: %s at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
	}
	p.screenshot(name)
}

// screenshot saves the page at 1366x768 and 390x844.
func (p *person) screenshot(name string) {
	p.b.t.Helper()
	for _, size := range []struct {
		suffix string
		w, h   int64
		mobile bool
	}{{"laptop", 1366, 768, false}, {"phone", 390, 844, true}} {
		ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if size.mobile {
			opts = append(opts, chromedp.EmulatePortrait, chromedp.EmulateMobile)
		}
		err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h, opts...))
		var png []byte
		if err == nil {
			png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
		}
		cancel()
		if err != nil {
			p.b.t.Fatalf("screenshot of %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(p.b.shots, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			p.b.t.Fatal(err)
		}
	}
	p.do(chromedp.EmulateViewport(1366, 768))
}
