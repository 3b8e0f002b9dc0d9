package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// Hostile text in the browser test's data. None of it may run.
const (
	hostileScript = `<script>window.__pwned=1</script>`
	hostileImage  = `<img src=x onerror="window.__pwned=1">`
	hostileLink   = `[x](javascript:window.__pwned=1)`
)

// codeBlock is the code in the first pair's markdown response. Its
// indentation must survive rendering.
const codeBlock = "def double(x):\n    if x is None:\n        return 0\n    return 2 * x"

// browserPairs returns two pairs-format files: the first holds one
// comparison with markdown, a code block and hostile text, which is the
// page that the checks and screenshots look at, and the second four plain
// ones.
func browserPairs(tb testing.TB) (first, rest string) {
	tb.Helper()
	pairs := []map[string]any{
		{
			"prompt": []map[string]string{
				{"role": "system", "content": "You review Python code."},
				{"role": "user", "content": "What does this do?\n\n" + hostileScript},
			},
			"response_a": "It **doubles** `x`, and maps `None` to zero:\n\n```python\n" + codeBlock + "\n```\n\n" +
				"- short\n- safe",
			"response_b": "It crashes " + hostileImage + " and see " + hostileLink + ".",
			"model_a":    "careful",
			"model_b":    "careless",
		},
		{"prompt": "Name a primary colour.", "response_a": "Red.", "response_b": "Green, in paint."},
		{"prompt": "What is 2 + 2?", "response_a": "4.", "response_b": "5."},
		{"prompt": "Say hello in French.", "response_a": "Bonjour.", "response_b": "Hola."},
		{"prompt": "Largest planet?", "response_a": "Jupiter.", "response_b": "Mars."},
	}
	var files [2]strings.Builder
	for i, p := range pairs {
		line, err := json.Marshal(p)
		if err != nil {
			tb.Fatalf("encode pair: %v", err)
		}
		b := &files[min(i, 1)]
		b.Write(line)
		b.WriteByte('\n')
	}
	return files[0].String(), files[1].String()
}

// startChromium starts a headless Chromium with a fresh profile and
// returns a context for its first tab. The browser stops when the test
// ends.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI: %v", err)
		}
		t.Skipf("chromium not installed at %s (%v); install Debian's chromium package to run the browser test", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)

	// The first run starts the browser. It gets no deadline, because a
	// deadline on it would bound the browser's whole life.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func browse(tb testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatalf("browser: %v", err)
	}
}

func evaluate[T any](tb testing.TB, ctx context.Context, expression string) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		tb.Fatalf("evaluate %s: %v", expression, err)
	}
	return v
}

// rect is an element's bounding box in CSS pixels.
type rect struct {
	Top    float64 `json:"top"`
	Bottom float64 `json:"bottom"`
	Left   float64 `json:"left"`
	Right  float64 `json:"right"`
}

const responseRects = `[...document.querySelectorAll('section.response')].map(e => {
	const r = e.getBoundingClientRect();
	return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
})`

// shownForm is the judgment form as the browser shows it.
type shownForm struct {
	Action string `json:"action"`
	Left   string `json:"left"`
	Right  string `json:"right"`
}

const readShownForm = `({
	action: document.getElementById('judgment').getAttribute('action'),
	left: document.querySelector('input[name=verdict][data-key="1"]').value,
	right: document.querySelector('input[name=verdict][data-key="2"]').value,
})`

func TestBrowserLabeling(t *testing.T) {
	t.Parallel()
	browser := startChromium(t)
	ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
	defer cancel()

	a := startApp(t)
	annotator := a.createUser(t, annotatorEmail, labeling.UserAnnotator)
	p := a.createProject(t, "Browser check")
	a.addMember(t, p, annotator, labeling.UserAnnotator)
	// The project holds only the hostile comparison until the annotator
	// holds its lease, because comparisons are handed out in random order.
	first, rest := browserPairs(t)
	a.importPairs(t, p, first)

	// Log in through the form, as a person would.
	browse(t, ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(a.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), annotatorEmail),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[text()="Projects"]`)),
		chromedp.Navigate(a.srv.URL+labelPath(p)),
		chromedp.WaitVisible(chromedp.CSS(`#judgment`)),
	)
	a.importPairs(t, p, rest)

	t.Run("hostile text stays text", func(t *testing.T) {
		if got := evaluate[string](t, ctx, `typeof window.__pwned`); got != "undefined" {
			t.Errorf("typeof window.__pwned: got %q, want %q", got, "undefined")
		}
		text := evaluate[string](t, ctx, `document.querySelector('main').innerText`)
		for _, want := range []string{hostileScript, hostileImage} {
			if !strings.Contains(text, want) {
				t.Errorf("page text lacks %s; text:\n%s", want, text)
			}
		}
		counts := []struct {
			selector string
			want     int
		}{
			{"main script", 0},
			{"main img", 0},
			{`a[href^="javascript:"]`, 0},
			{"section.response strong", 1},
			{"section.response li", 2},
		}
		for _, c := range counts {
			js := fmt.Sprintf("document.querySelectorAll(%q).length", c.selector)
			if got := evaluate[int](t, ctx, js); got != c.want {
				t.Errorf("elements matching %s: got %d, want %d", c.selector, got, c.want)
			}
		}
	})

	t.Run("code block keeps indentation", func(t *testing.T) {
		got := evaluate[string](t, ctx, `document.querySelector('section.response pre').innerText`)
		if want := codeBlock + "\n"; got != want {
			t.Errorf("code block text:\ngot  %q\nwant %q", got, want)
		}
	})

	t.Run("wide layout side by side", func(t *testing.T) {
		rects := evaluate[[]rect](t, ctx, responseRects)
		if len(rects) != 2 {
			t.Fatalf("responses: got %d, want 2", len(rects))
		}
		if rects[1].Left < rects[0].Right {
			t.Errorf("response B left %v is left of response A right %v", rects[1].Left, rects[0].Right)
		}
		if rects[1].Top != rects[0].Top {
			t.Errorf("response B top: got %v, want %v (response A top)", rects[1].Top, rects[0].Top)
		}
		saveScreenshot(t, ctx, "label-wide.png")
	})

	t.Run("narrow layout stacked", func(t *testing.T) {
		browse(t, ctx, chromedp.EmulateViewport(400, 900))
		defer browse(t, ctx, chromedp.EmulateViewport(1280, 900))

		rects := evaluate[[]rect](t, ctx, responseRects)
		if len(rects) != 2 {
			t.Fatalf("responses: got %d, want 2", len(rects))
		}
		if rects[1].Top < rects[0].Bottom {
			t.Errorf("response B top %v is above response A bottom %v", rects[1].Top, rects[0].Bottom)
		}
		if w := evaluate[int](t, ctx, `document.documentElement.scrollWidth`); w > 400 {
			t.Errorf("page width at a 400px viewport: got %d, want at most 400", w)
		}
		saveScreenshot(t, ctx, "label-narrow.png")
	})

	t.Run("question mark toggles keys", func(t *testing.T) {
		const open = `document.getElementById('keys').open`
		if evaluate[bool](t, ctx, open) {
			t.Fatalf("keys list: open before any key")
		}
		browse(t, ctx, chromedp.KeyEvent("?"))
		if !evaluate[bool](t, ctx, open) {
			t.Errorf("keys list after ?: got closed, want open")
		}
		browse(t, ctx, chromedp.WaitVisible(chromedp.Search(`//details[@id="keys"]//td[text()="Both bad"]`)))
		browse(t, ctx, chromedp.KeyEvent("?"))
		if evaluate[bool](t, ctx, open) {
			t.Errorf("keys list after a second ?: got open, want closed")
		}
	})

	steps := []struct {
		key         string
		wantVerdict labeling.Verdict
		preferred   func(shownForm) string // "" when no response is preferred
	}{
		{"2", labeling.VerdictPreferred, func(f shownForm) string { return f.Right }},
		{"1", labeling.VerdictPreferred, func(f shownForm) string { return f.Left }},
		{"3", labeling.VerdictTie, func(shownForm) string { return "" }},
		{"4", labeling.VerdictBothBad, func(shownForm) string { return "" }},
	}
	for i, st := range steps {
		t.Run("key "+st.key, func(t *testing.T) {
			form := evaluate[shownForm](t, ctx, readShownForm)
			browse(t, ctx, chromedp.KeyEvent(st.key))
			checked := evaluate[string](t, ctx, `document.querySelector('input[name=verdict]:checked').value`)
			wantChecked := map[string]string{"1": form.Left, "2": form.Right, "3": "tie", "4": "both_bad"}[st.key]
			if checked != wantChecked {
				t.Errorf("checked verdict: got %q, want %q", checked, wantChecked)
			}

			progress := fmt.Sprintf(`//span[@id="progress-text" and text()="%d done · %d left"]`, i+1, 4-i)
			browse(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.Search(progress)))

			all := a.judgments(t, p)
			if len(all) != i+1 {
				t.Fatalf("judgments: got %d, want %d", len(all), i+1)
			}
			j := all[i]
			if j.Verdict != st.wantVerdict {
				t.Errorf("verdict: got %q, want %q", j.Verdict, st.wantVerdict)
			}
			wantPreferred := uuid.Nil
			if id := st.preferred(form); id != "" {
				wantPreferred = mustUUID(t, id)
			}
			if j.Preferred != wantPreferred {
				t.Errorf("preferred: got %s, want %s", j.Preferred, wantPreferred)
			}
			if j.LeftResponseID.String() != form.Left {
				t.Errorf("left response: got %s, want %s", j.LeftResponseID, form.Left)
			}
			if got := evaluate[string](t, ctx, `typeof window.__pwned`); got != "undefined" {
				t.Errorf("typeof window.__pwned: got %q, want %q", got, "undefined")
			}
		})
	}
}

// saveScreenshot writes a PNG of the whole page to the repository's
// test-artifacts folder and logs its path.
func saveScreenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		tb.Fatalf("screenshot %s is not a PNG", name)
	}
	dir := filepath.Join(repoRoot(tb), "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("create %s: %v", dir, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatalf("write %s: %v", path, err)
	}
	tb.Logf("screenshot: %s", path)
}
