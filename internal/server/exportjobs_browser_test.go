package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// shownJob is the export job page as the browser shows it.
type shownJob struct {
	Status      string  `json:"status"`
	Progress    float64 `json:"progress"`
	Count       string  `json:"count"`
	LinkHidden  bool    `json:"linkHidden"`
	LinkHref    string  `json:"linkHref"`
	LinkText    string  `json:"linkText"`
	ErrorHidden bool    `json:"errorHidden"`
}

const readShownJob = `({
	status: document.getElementById('export-job').dataset.status,
	progress: document.getElementById('export-progress').value,
	count: document.getElementById('export-count').textContent,
	linkHidden: document.getElementById('export-download').hidden,
	linkHref: document.getElementById('export-file').getAttribute('href'),
	linkText: document.getElementById('export-file').textContent,
	errorHidden: document.getElementById('export-error').hidden,
})`

func TestBrowserExportProgress(t *testing.T) {
	t.Parallel()
	browser := startChromium(t)
	ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
	defer cancel()

	// The workers start only once the job page is open, so the page
	// loads with the job queued and must update itself.
	a := startJobApp(t, 2)
	p := a.judgedProject(t, 30)
	base := a.srv.URL + "/projects/" + p.ID.String()
	browse(t, ctx,
		chromedp.Navigate(a.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), researcherEmail),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[text()="Projects"]`)),
		chromedp.Navigate(base+"/export?format=trl"),
		chromedp.WaitVisible(chromedp.CSS(`#start-export`)),
		chromedp.Click(chromedp.CSS(`#start-export`)),
		chromedp.WaitVisible(chromedp.CSS(`#export-progress`)),
	)
	before := evaluate[shownJob](t, ctx, readShownJob)
	if before.Status != "queued" || before.Progress != 0 || !before.LinkHidden {
		t.Fatalf("job page before the workers start: got %+v, want queued at 0 with no link", before)
	}

	a.run()
	deadline := time.Now().Add(30 * time.Second)
	var after shownJob
	for {
		after = evaluate[shownJob](t, ctx, readShownJob)
		if after.Status == "done" || after.Status == "failed" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if after.Status != "done" {
		t.Fatalf("job page after 30 s: got %+v, want done", after)
	}
	if after.Progress != 100 {
		t.Errorf("progress bar: got %v, want 100", after.Progress)
	}
	if after.Count != "30 rows written" {
		t.Errorf("count under the bar: got %q, want %q", after.Count, "30 rows written")
	}
	if after.LinkHidden || !strings.HasSuffix(after.LinkHref, "/file") || !strings.Contains(after.LinkText, ".jsonl") {
		t.Errorf("download link: got hidden=%v href=%q text=%q, want a visible link to the .jsonl file",
			after.LinkHidden, after.LinkHref, after.LinkText)
	}
	if !after.ErrorHidden {
		t.Errorf("the error line is shown for a job that is done")
	}
}
