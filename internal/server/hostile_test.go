package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
)

// hostileCorpus is text that would run script, load a frame or restyle
// the page if a page put it into HTML unescaped. Every payload that runs
// sets window.__pwned or calls alert, which the browser hook records. Each
// string contains a marker hzNN where it stays visible however it renders:
// as text, or as markdown, where a link shows only its text. URLs point
// nowhere or at the test server, so that nothing leaves the machine.
var hostileCorpus = []string{
	// Script tags in many spellings.
	`<script>window.__pwned=1</script> hz01`,
	`<SCRIPT>window.__pwned=2</SCRIPT> hz02`,
	`<ScRiPt >window.__pwned=3</sCrIpT > hz03`,
	`<script/x>window.__pwned=4</script> hz04`,
	`<scr<script>ipt>window.__pwned=5</script> hz05`,
	`<script src="data:text/javascript,window.__pwned=6"></script> hz06`,
	"<script\n>window.__pwned=7</script\n> hz07",
	`<<script>script>window.__pwned=8<</script>/script> hz08`,
	`hz09 <script>window.__pwned=9`,
	// Event handler attributes.
	`<img src=x onerror="window.__pwned=10"> hz10`,
	`<body onload=window.__pwned=11> hz11`,
	`<details open ontoggle=window.__pwned=12>hz12</details>`,
	`<input autofocus onfocus=window.__pwned=13> hz13`,
	`<video><source onerror="window.__pwned=14"></video> hz14`,
	`<marquee onstart=window.__pwned=15>hz15</marquee>`,
	`<div onmouseover="alert(16)" style="position:fixed;inset:0">hz16</div>`,
	// SVG and MathML.
	`<svg onload=window.__pwned=17> hz17`,
	`<svg/onload=alert(18)> hz18`,
	`<svg><script>window.__pwned=19</script></svg> hz19`,
	`<svg><a xlink:href="javascript:window.__pwned=20"><text x=0 y=20>hz20</text></a></svg>`,
	`<svg><animate onbegin=window.__pwned=21 attributeName=x dur=1s> hz21`,
	`<svg><style><img src=x onerror=window.__pwned=22></style></svg> hz22`,
	`<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=23> hz23`,
	// Frames, objects and other active elements.
	`<iframe src="javascript:top.__pwned=24"></iframe> hz24`,
	`<iframe srcdoc="<script>top.__pwned=25</script>"></iframe> hz25`,
	`<object data="javascript:top.__pwned=26"></object> hz26`,
	`<embed src="javascript:top.__pwned=27"> hz27`,
	`<form action="javascript:window.__pwned=28"><button>hz28 go</button></form>`,
	`<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=29"> hz29`,
	`<base href="javascript:window.__pwned=30//"> hz30`,
	`<link rel=stylesheet href="javascript:window.__pwned=31"> hz31`,
	// Styles.
	`<style>*{background:url("javascript:window.__pwned=32")}</style> hz32`,
	`<div style="width: expression(window.__pwned=33)">hz33</div>`,
	`<div style="background-image:url(javascript:window.__pwned=34)">hz34</div>`,
	// Links in HTML and markdown.
	`<a href="javascript:window.__pwned=35">hz35</a>`,
	`<a href="javas&#99;ript:window.__pwned=36">hz36</a>`,
	`<a href="&#x6A;avascript&#58;window.__pwned=37">hz37</a>`,
	"<a href=\"jav\tascript:window.__pwned=38\">hz38</a>",
	`[hz39 click](javascript:window.__pwned=39)`,
	`[hz40 click](JaVaScRiPt:window.__pwned=40)`,
	`[hz41 click](<javascript:window.__pwned=41>)`,
	`[hz42 click](jav&#x09;ascript:window.__pwned=42)`,
	`[hz43 click](%6Aavascript:window.__pwned=43)`,
	`[hz44 click](vbscript:msgbox(44))`,
	`[hz45 click](data:text/html;base64,PHNjcmlwdD50b3AuX19wd25lZD00NTwvc2NyaXB0Pg==)`,
	"[hz46 reference][r]\n\n[r]: javascript:window.__pwned=46",
	`hz47 <javascript:window.__pwned=47>`,
	`hz48 ![img](javascript:window.__pwned=48)`,
	`hz49 ![a" onerror="window.__pwned=49](x)`,
	`hz50 ![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoNTApPjwvc3ZnPg==)`,
	`<http://127.0.0.1:9/hz51>`,
	// Broken and unclosed HTML.
	`<div><p><b>hz52 never closed`,
	`<a href="x hz53`,
	`<img src="x" onerror="window.__pwned=54" hz54`,
	`<!-- hz55 comment never closed`,
	`<![CDATA[ hz56 <script>window.__pwned=56</script>`,
	"<div>\n<script>window.__pwned=57</script>\n</div> hz57",
	`<noscript><p title="</noscript><img src=x onerror=window.__pwned=58>"></noscript> hz58`,
	// Breaking out of attributes, text areas, titles and comments.
	`"><script>window.__pwned=59</script> hz59`,
	`'><img src=x onerror=window.__pwned=60> hz60`,
	`</textarea><script>window.__pwned=61</script> hz61`,
	`</title><script>window.__pwned=62</script> hz62`,
	`--><script>window.__pwned=63</script> hz63`,
	`</td></tr></table></main><script>window.__pwned=64</script> hz64`,
	// Entities and escapes that decode to tags.
	`&lt;script&gt;window.__pwned=65&lt;/script&gt; hz65`,
	`&#60;img src=x onerror=window.__pwned=66&#62; hz66`,
	`&#x3C;svg onload=window.__pwned=67&#x3E; hz67`,
	`\u003cscript\u003ewindow.__pwned=68\u003c/script\u003e hz68`,
	// Code fences around markup.
	"```html\n<script>window.__pwned=69</script>\n```\nhz69",
	// Direction overrides, invisible characters and other text.
	"hz70 invoice\u202Efdp.exe\u202C done",
	"hz71 a\u200Db\u200Cc\uFEFFd\u2060e",
	"hz72 line\u2028separator\u2029paragraph",
	"\x1b[31mhz73 red\x1b[0m",
	`hz74 مرحبا <script>window.__pwned=74</script>`,
	"hz75 é ﬁ 𝒳 👍🏽",
	// Template syntax of Go, JavaScript, Ruby and AngularJS.
	`{{ .Secret }} {{template "x"}} hz76`,
	`${7*7} ${alert(77)} hz77`,
	`#{7*7} <%= 7*7 %> hz78`,
	`{{constructor.constructor('window.__pwned=79')()}} hz79`,
	// Text that breaks JSON written by hand.
	`"}]}, {"rationale": "forged"} \" \\ hz80`,
	// One word longer than any line.
	"hz81" + strings.Repeat("W", 4000),
}

var hostileMarkerRe = regexp.MustCompile(`hz\d\d`)

// hostileMarker returns the marker of corpus string s.
func hostileMarker(tb testing.TB, s string) string {
	tb.Helper()
	m := hostileMarkerRe.FindAllString(s, -1)
	if len(m) != 1 {
		tb.Fatalf("corpus string %.60q has markers %v, want exactly one", s, m)
	}
	return m[0]
}

// Hostile names outside the corpus, for the one project and one
// annotator that every page shows.
const (
	hostileProjectName = `<img src=x onerror=window.__pwned=90> hzP1 "quoted" & 'single'`
	hostileAnnotator   = `</span><script>window.__pwned=91</script> hzU1`
	hostileSource      = `<svg onload=window.__pwned=92>hzS1.jsonl`
)

// hostileHook runs before any script of every document. It records
// payloads that run: writes to window.__pwned, dialogs and the source of
// every script element the parser meets, so the test can tell the app's
// own script from an injected one.
const hostileHook = `(() => {
	const hits = [];
	Object.defineProperty(window, '__hits', {value: hits});
	Object.defineProperty(window, '__pwned', {
		set(v) { hits.push('window.__pwned = ' + v); },
		get() { return undefined; },
	});
	for (const name of ['alert', 'confirm', 'prompt', 'print']) {
		window[name] = (...args) => { hits.push(name + '(' + args.join(', ') + ')'); };
	}
	new MutationObserver(records => {
		for (const r of records) for (const n of r.addedNodes) {
			if (n.nodeName === 'SCRIPT' && n.getAttribute('src') !== '/static/app.js') {
				hits.push('script element: ' + n.outerHTML.slice(0, 120));
			}
		}
	}).observe(document, {childList: true, subtree: true});
})()`

// inspectPage reads the hook's records, lists elements and attributes
// that could run script or change the page, and returns the visible text
// and the whole text of the body.
const inspectPage = `(() => {
	const bad = [];
	const banned = new Set(['IFRAME', 'FRAME', 'FRAMESET', 'OBJECT', 'EMBED', 'APPLET', 'BASE',
		'STYLE', 'TEMPLATE', 'NOSCRIPT', 'XMP', 'PLAINTEXT', 'MARQUEE', 'PORTAL', 'FENCEDFRAME']);
	const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'data', 'xlink:href',
		'background', 'poster', 'srcset', 'ping', 'codebase', 'cite']);
	for (const el of document.querySelectorAll('*')) {
		const tag = el.tagName.toUpperCase();
		const where = tag + ' ' + el.outerHTML.slice(0, 100);
		if (banned.has(tag)) bad.push('element ' + where);
		if (tag === 'SCRIPT' && el.getAttribute('src') !== '/static/app.js') bad.push('script ' + where);
		if (tag === 'LINK' && el.getAttribute('href') !== '/static/app.css') bad.push('link ' + where);
		if (tag === 'META' && el.hasAttribute('http-equiv')) bad.push('meta ' + where);
		for (const a of el.attributes) {
			const name = a.name.toLowerCase();
			if (name.startsWith('on')) bad.push('handler ' + name + ' on ' + where);
			if (name === 'style' || name === 'srcdoc') bad.push(name + ' on ' + where);
			if (!urlAttrs.has(name) || a.value.trim() === '') continue;
			let protocol = '';
			try { protocol = new URL(a.value, document.baseURI).protocol; } catch (e) { continue; }
			const image = /^data:image\/(png|gif|jpeg|webp)[;,]/i.test(a.value.trim());
			if (protocol === 'javascript:' || protocol === 'vbscript:' || (protocol === 'data:' && !image)) {
				bad.push(name + '=' + a.value.slice(0, 60) + ' on ' + tag);
			}
		}
	}
	return {
		hook: Array.isArray(window.__hits),
		hits: window.__hits || [],
		bad: bad,
		visible: document.body.innerText,
		text: document.body.textContent,
	};
})()`

// pageReport is what inspectPage returns.
type pageReport struct {
	Hook    bool     `json:"hook"`
	Hits    []string `json:"hits"`
	Bad     []string `json:"bad"`
	Visible string   `json:"visible"`
	Text    string   `json:"text"`
}

// hostileBrowser is a Chromium tab with the hook installed and the page's
// Content-Security-Policy switched off, so a payload that reached the
// HTML would run and be caught here rather than stopped by the policy.
type hostileBrowser struct {
	ctx     context.Context
	base    string
	mu      sync.Mutex
	dialogs []string
}

// newHostileBrowser starts the tab. Set base before opening pages.
func newHostileBrowser(t *testing.T) *hostileBrowser {
	t.Helper()
	ctx, cancel := context.WithTimeout(startChromium(t), 90*time.Second)
	t.Cleanup(cancel)
	b := &hostileBrowser{ctx: ctx}

	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: hostileHook})
	if err != nil {
		t.Fatalf("install the hook: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatalf("switch off the Content-Security-Policy: %v", err)
	}
	// A dialog that opens despite the hook is recorded and dismissed, so
	// the page does not wait for it.
	err = chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(d.Type)+": "+d.Message)
			b.mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	if err != nil {
		t.Fatalf("listen for dialogs: %v", err)
	}
	return b
}

// signIn makes the tab send c's session cookie.
func (b *hostileBrowser) signIn(t *testing.T, c *client) {
	t.Helper()
	cookies := c.http.Jar.Cookies(mustParseURL(t, b.base))
	if len(cookies) != 1 {
		t.Fatalf("session cookies: got %d, want 1", len(cookies))
	}
	_, err := chromedp.Call(b.ctx, network.SetCookie, network.SetCookieParams{
		Name: cookies[0].Name, Value: cookies[0].Value, URL: b.base, HTTPOnly: new(true)})
	if err != nil {
		t.Fatalf("set session cookie: %v", err)
	}
}

// open loads path, fails the test for any payload that ran or any active
// element or attribute on the page, and returns the page's text and
// status.
func (b *hostileBrowser) open(t *testing.T, path string) (pageReport, int) {
	t.Helper()
	rep, status := b.load(t, b.base+path)
	if !rep.Hook {
		t.Fatalf("%s: the hook did not run, so the page cannot be checked", path)
	}
	for _, hit := range rep.Hits {
		t.Errorf("%s: a payload ran: %s", path, hit)
	}
	for _, bad := range rep.Bad {
		t.Errorf("%s: active markup on the page: %s", path, bad)
	}
	b.mu.Lock()
	for _, d := range b.dialogs {
		t.Errorf("%s: a dialog opened: %s", path, d)
	}
	b.dialogs = nil
	b.mu.Unlock()
	return rep, status
}

// load navigates to address and inspects the page.
func (b *hostileBrowser) load(t *testing.T, address string) (pageReport, int) {
	t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(address))
	if err != nil {
		t.Fatalf("open %s: %v", address, err)
	}
	rep, err := chromedp.Run(b.ctx, chromedp.Evaluate[pageReport](inspectPage))
	if err != nil {
		t.Fatalf("inspect %s: %v", address, err)
	}
	return rep, int(res.Status)
}

// checkCanary shows the tab a page that writes five corpus strings out
// unescaped under a strict Content-Security-Policy, and fails unless the
// hook and the inspection catch them, so that a clean page elsewhere means
// something.
func (b *hostileBrowser) checkCanary(t *testing.T) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html><html><body><main>%s\n%s\n%s\n%s\n%s</main></body></html>",
			hostileCorpus[0], hostileCorpus[1], hostileCorpus[9], hostileCorpus[16], hostileCorpus[17])
	}))
	defer srv.Close()

	rep, _ := b.load(t, srv.URL)
	if !rep.Hook {
		t.Fatalf("canary page: the hook did not run")
	}
	for _, want := range []string{"window.__pwned = 1", "window.__pwned = 2", "window.__pwned = 10",
		"window.__pwned = 17", "alert(18)"} {
		if !slices.Contains(rep.Hits, want) {
			t.Errorf("canary page: hook records lack %q; got %q", want, rep.Hits)
		}
	}
	if len(rep.Bad) == 0 {
		t.Errorf("canary page: inspection found no active markup")
	}
	b.mu.Lock()
	b.dialogs = nil
	b.mu.Unlock()
}

// want fails unless the page shows the marker of every string in shown
// and contains every string in exact unchanged in its text.
func (r pageReport) want(t *testing.T, path string, shown, exact []string) {
	t.Helper()
	for _, s := range shown {
		if m := hostileMarker(t, s); !strings.Contains(r.Visible, m) {
			t.Errorf("%s: visible text lacks %s of %.80q", path, m, s)
		}
	}
	for _, s := range exact {
		if !strings.Contains(r.Text, s) {
			t.Errorf("%s: text lacks %.80q unchanged", path, s)
		}
	}
}

// hostileApp is an app whose every piece of user text is hostile.
type hostileApp struct {
	*testApp
	project labeling.Project
	// comparisons counts the project's comparisons. Comparison i has the
	// prompt, a and b at corpus positions 3i, 3i+1 and 3i+2.
	comparisons  int
	byPrompt     map[string]int  // comparison index by prompt text
	projects     []string        // names of the other projects, trimmed
	annotator    labeling.User   // the annotator who uses the browser
	others       []labeling.User // one annotator per corpus string
	names        []string        // display names of others, trimmed
	reportPath   string          // import report whose source name is hostileSource
	adminWeb     *client
	annotatorWeb *client
}

// corpusAt returns the corpus string at i, wrapping around.
func corpusAt(i int) string { return hostileCorpus[i%len(hostileCorpus)] }

func newHostileApp(t *testing.T) *hostileApp {
	t.Helper()
	ctx := context.Background()
	n := len(hostileCorpus)
	h := &hostileApp{testApp: startApp(t), comparisons: (n + 2) / 3, byPrompt: map[string]int{}}

	// The project: its name, guidelines and every comparison are hostile.
	// Each comparison takes one vote of the annotator and enough of the
	// others' for every corpus string to be a rationale.
	wanted := 1 + (n+h.comparisons-1)/h.comparisons
	p, err := h.db.CreateProject(ctx, labeling.Project{Name: hostileProjectName, JudgmentsWanted: wanted})
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	p.Guidelines = strings.Join(hostileCorpus, "\n\n")
	if err := h.db.UpdateProject(ctx, p); err != nil {
		t.Fatalf("set guidelines: %v", err)
	}
	h.project = p
	var pairs strings.Builder
	for i := range h.comparisons {
		line, err := json.Marshal(map[string]string{"prompt": corpusAt(3 * i),
			"response_a": corpusAt(3*i + 1), "response_b": corpusAt(3*i + 2)})
		if err != nil {
			t.Fatalf("encode pair: %v", err)
		}
		pairs.Write(line)
		pairs.WriteByte('\n')
		h.byPrompt[corpusAt(3*i)] = i
	}
	h.importPairs(t, p, pairs.String())

	// Every short corpus string also names a project, and one import has
	// a hostile source name.
	for _, s := range hostileCorpus {
		if name := strings.TrimSpace(s); len(name) <= 200 {
			h.createProject(t, name)
			h.projects = append(h.projects, name)
		}
	}
	other := h.createProject(t, "Source names")
	_, batch, err := server.Import(ctx, h.db, other, strings.NewReader(pairs.String()), hostileSource,
		server.ImportOptions{}, uuid.Nil)
	if err != nil {
		t.Fatalf("import with a hostile source name: %v", err)
	}
	h.reportPath = fmt.Sprintf("/projects/%s/imports/%s", other.ID, batch)

	// The accounts: an admin, the annotator who uses the browser, and one
	// annotator named after each corpus string.
	h.createUser(t, adminEmail, labeling.UserAdmin)
	hash, err := testPasswordHash()
	if err != nil {
		t.Fatal(err)
	}
	h.annotator, err = h.db.InsertUser(ctx, labeling.User{Email: annotatorEmail,
		DisplayName: hostileAnnotator, Role: labeling.UserAnnotator}, hash)
	if err != nil {
		t.Fatalf("create annotator: %v", err)
	}
	h.addMember(t, p, h.annotator, labeling.UserAnnotator)
	for _, s := range hostileCorpus {
		u, err := h.db.InsertUser(ctx, labeling.User{DisplayName: s, Role: labeling.UserAnnotator}, "no login")
		if err != nil {
			t.Fatalf("create user named %.60q: %v", s, err)
		}
		h.addMember(t, p, u, labeling.UserAnnotator)
		h.others = append(h.others, u)
		h.names = append(h.names, strings.TrimSpace(s))
	}
	h.adminWeb = h.login(t, adminEmail)
	h.annotatorWeb = h.login(t, annotatorEmail)
	return h
}

// judgeByOthers has each hostile annotator lease a comparison and prefer
// its response a with their own name as the rationale. It returns the
// rationales.
func (h *hostileApp) judgeByOthers(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var rationales []string
	for i, u := range h.others {
		a, err := h.db.NextAssignment(ctx, h.project, u.ID)
		if err != nil {
			t.Fatalf("lease for hostile annotator %d: %v", i, err)
		}
		c, ok := h.byPrompt[a.Prompt[0].Content]
		if !ok {
			t.Fatalf("leased comparison %v has an unknown prompt", a.ComparisonID)
		}
		preferred := a.Left.ID
		if a.Right.Content == corpusAt(3*c+1) {
			preferred = a.Right.ID
		}
		vote := labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred, Preferred: preferred,
			Rationale: hostileCorpus[i]}
		if _, _, err := h.db.Submit(ctx, u.ID, vote); err != nil {
			t.Fatalf("submit for hostile annotator %d: %v", i, err)
		}
		rationales = append(rationales, hostileCorpus[i])
	}
	return rationales
}

// shownComparison returns the index of the comparison on a label page.
func (h *hostileApp) shownComparison(t *testing.T, b *hostileBrowser) int {
	t.Helper()
	prompt, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`document.querySelector('section.conversation').innerText`))
	if err != nil {
		t.Fatalf("read prompt: %v", err)
	}
	for i := range h.comparisons {
		if strings.Contains(prompt, hostileMarker(t, corpusAt(3*i))) {
			return i
		}
	}
	t.Fatalf("label page shows no known prompt; prompt text:\n%s", prompt)
	return -1
}

func TestHostileTextInert(t *testing.T) {
	t.Parallel()
	n := len(hostileCorpus)
	if n < 50 {
		t.Fatalf("hostile corpus: got %d strings, want at least 50", n)
	}
	seen := map[string]bool{}
	for _, s := range hostileCorpus {
		if m := hostileMarker(t, s); seen[m] {
			t.Fatalf("marker %s appears in two corpus strings", m)
		} else {
			seen[m] = true
		}
	}

	b := newHostileBrowser(t)
	t.Run("canary", b.checkCanary)
	h := newHostileApp(t)
	b.base = h.srv.URL
	projectPath := "/projects/" + h.project.ID.String()
	everyPage := []string{hostileAnnotator}

	// The annotator's pages.
	b.signIn(t, h.annotatorWeb)
	t.Run("annotator home", func(t *testing.T) {
		rep, _ := b.open(t, "/")
		rep.want(t, "/", nil, []string{hostileProjectName, hostileAnnotator})
	})
	t.Run("guidelines", func(t *testing.T) {
		rep, _ := b.open(t, projectPath+"/guidelines")
		rep.want(t, "guidelines", hostileCorpus, []string{hostileProjectName})
		rep.want(t, "guidelines", nil, everyPage)
		if res := h.annotatorWeb.postForm(projectPath+"/guidelines", nil); res.status != http.StatusSeeOther {
			t.Fatalf("accept guidelines: got %d, want %d", res.status, http.StatusSeeOther)
		}
	})

	// The annotator labels every comparison. Each vote's rationale is a
	// corpus string, and the last one closes a text area if unescaped.
	var rationales []string
	t.Run("label pages", func(t *testing.T) {
		shown := map[int]bool{}
		for step := range h.comparisons {
			rep, _ := b.open(t, projectPath+"/label")
			i := h.shownComparison(t, b)
			if shown[i] {
				t.Fatalf("comparison %d shown twice", i)
			}
			shown[i] = true
			path := fmt.Sprintf("label page of comparison %d", i)
			rep.want(t, path, []string{corpusAt(3 * i), corpusAt(3*i + 1), corpusAt(3*i + 2)},
				[]string{hostileProjectName, hostileAnnotator})

			action, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
				`document.getElementById('judgment').getAttribute('action')`))
			if err != nil {
				t.Fatalf("read form action: %v", err)
			}
			rationale := hostileCorpus[step]
			if step == h.comparisons-1 {
				rationale = textareaBreaker
			}
			res := h.annotatorWeb.postForm(action, url.Values{"verdict": {"tie"}, "rationale": {rationale}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("submit comparison %d: got %d, want %d; body:\n%s", i, res.status, http.StatusSeeOther, res.body)
			}
			rationales = append(rationales, rationale)
		}
		rep, _ := b.open(t, projectPath+"/label")
		if !strings.Contains(rep.Visible, "Nothing left to label here.") {
			t.Errorf("label page after every comparison: not the done page; text:\n%.500s", rep.Visible)
		}
	})

	// Undo shows the last vote again, its rationale in a text area.
	t.Run("undone vote", func(t *testing.T) {
		if res := h.annotatorWeb.postForm(projectPath+"/undo", nil); res.status != http.StatusSeeOther {
			t.Fatalf("undo: got %d, want %d", res.status, http.StatusSeeOther)
		}
		rationales = rationales[:len(rationales)-1]
		b.open(t, projectPath+"/label")
		got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
			`document.querySelector('textarea[name=rationale]').value`))
		if err != nil {
			t.Fatalf("read rationale: %v", err)
		}
		if got != textareaBreaker {
			t.Errorf("rationale shown again: got %q, want %q", got, textareaBreaker)
		}
	})
	rationales = append(rationales, h.judgeByOthers(t)...)

	// The admin's pages.
	b.signIn(t, h.adminWeb)
	projectNames := h.projects
	pages := []struct {
		name         string
		path         string
		shown, exact []string
		optional     bool // the page may not be built yet
	}{
		{"admin home", "/", projectNames, append([]string{hostileProjectName}, projectNames...), false},
		{"project page", projectPath, nil, []string{hostileProjectName}, false},
		{"users page", "/users", h.names, append([]string{hostileAnnotator}, h.names...), false},
		{"members page", projectPath + "/members", h.names, append([]string{hostileAnnotator}, h.names...), true},
		{"dashboard", projectPath + "/dashboard", h.names, append([]string{hostileAnnotator}, h.names...), true},
		{"import report", h.reportPath, nil, []string{hostileSource}, false},
	}
	for _, pg := range pages {
		t.Run(pg.name, func(t *testing.T) {
			rep, status := b.open(t, pg.path)
			if pg.optional && status == http.StatusNotImplemented {
				t.Skipf("%s answers 501; it is not built yet", pg.path)
			}
			if status != http.StatusOK {
				t.Fatalf("%s: got status %d, want %d", pg.path, status, http.StatusOK)
			}
			rep.want(t, pg.path, pg.shown, pg.exact)
		})
	}
	t.Run("review pages", func(t *testing.T) {
		// The review queue shows 20 comparisons a page, so the checks run
		// on the text of all its pages together.
		disputed, shown, exact := h.disputed(t)
		var all pageReport
		for pageNumber := 1; pageNumber <= (disputed+19)/20; pageNumber++ {
			path := fmt.Sprintf("%s/review?page=%d", projectPath, pageNumber)
			rep, status := b.open(t, path)
			if status == http.StatusNotImplemented {
				t.Skip("the review page answers 501; it is not built yet")
			}
			if status != http.StatusOK {
				t.Fatalf("%s: got status %d, want %d", path, status, http.StatusOK)
			}
			all.Visible += rep.Visible
			all.Text += rep.Text
		}
		all.want(t, "review pages", shown, exact)
	})
	t.Run("settings page", func(t *testing.T) {
		_, status := b.open(t, projectPath+"/settings")
		if status == http.StatusNotImplemented {
			t.Skip("the settings page answers 501; it is not built yet")
		}
		for field, want := range map[string]string{
			`input[name=name]`:          hostileProjectName,
			`textarea[name=guidelines]`: h.project.Guidelines,
		} {
			got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
				fmt.Sprintf(`document.querySelector(%q).value`, field)))
			if err != nil {
				t.Fatalf("read %s: %v", field, err)
			}
			if got != want {
				t.Errorf("%s value:\ngot  %.200q\nwant %.200q", field, got, want)
			}
		}
	})

	t.Run("judgments export", func(t *testing.T) {
		res := h.adminWeb.get(projectPath + "/export?format=judgments")
		if res.status != http.StatusOK {
			t.Fatalf("export: got %d, want %d", res.status, http.StatusOK)
		}
		var got []string
		for i, line := range strings.Split(strings.TrimSuffix(res.body, "\n"), "\n") {
			var row struct {
				Rationale *string `json:"rationale"`
			}
			if !json.Valid([]byte(line)) {
				t.Fatalf("export line %d is not valid JSON:\n%.300s", i+1, line)
			}
			if err := json.Unmarshal([]byte(line), &row); err != nil || row.Rationale == nil {
				t.Fatalf("export line %d has no rationale (%v):\n%.300s", i+1, err, line)
			}
			got = append(got, *row.Rationale)
		}
		slices.Sort(got)
		want := slices.Clone(rationales)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("rationales in the export differ from the ones submitted: got %d, want %d", len(got), len(want))
			for _, s := range want {
				if !slices.Contains(got, s) {
					t.Errorf("export lacks rationale %.80q", s)
				}
			}
		}
	})
}

// textareaBreaker closes the rationale text area if a page writes it out
// unescaped.
var textareaBreaker = hostileCorpus[slices.IndexFunc(hostileCorpus, func(s string) bool {
	return strings.HasPrefix(s, "</textarea>")
})]

// disputed counts the disputed comparisons and returns what the review
// pages must show: the texts of every disputed comparison, and the names
// and rationales of their votes unchanged.
func (h *hostileApp) disputed(t *testing.T) (count int, shown, exact []string) {
	t.Helper()
	prompts := map[uuid.UUID]string{}
	names := map[uuid.UUID]string{h.annotator.ID: hostileAnnotator}
	for _, u := range h.others {
		names[u.ID] = strings.TrimSpace(u.DisplayName)
	}
	byComparison := map[uuid.UUID][]labeling.Judgment{}
	for _, j := range h.judgments(t, h.project) {
		byComparison[j.ComparisonID] = append(byComparison[j.ComparisonID], j)
		if _, ok := prompts[j.ComparisonID]; !ok {
			var messages []byte
			err := h.db.Pool().QueryRow(context.Background(), `SELECT messages FROM prompts WHERE id = $1`,
				j.PromptID).Scan(&messages)
			if err != nil {
				t.Fatalf("find prompt %v: %v", j.PromptID, err)
			}
			var c labeling.Conversation
			if err := json.Unmarshal(messages, &c); err != nil {
				t.Fatalf("decode prompt %v: %v", j.PromptID, err)
			}
			prompts[j.ComparisonID] = c[0].Content
		}
	}
	for cid, votes := range byComparison {
		kinds := map[string]bool{}
		for _, j := range votes {
			kinds[string(j.Verdict)+j.Preferred.String()] = true
		}
		if len(votes) < 2 || len(kinds) < 2 {
			continue
		}
		count++
		i := h.byPrompt[prompts[cid]]
		shown = append(shown, corpusAt(3*i), corpusAt(3*i+1), corpusAt(3*i+2))
		for _, j := range votes {
			exact = append(exact, j.Rationale)
			if name, ok := names[j.AnnotatorID]; ok {
				exact = append(exact, name)
			}
		}
	}
	if count == 0 {
		t.Fatalf("no disputed comparisons; the review page would have nothing to check")
	}
	return count, shown, exact
}
