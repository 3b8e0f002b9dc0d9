package web

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func render(t *testing.T, src string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Markdown(src).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestMarkdownEscapesHTML(t *testing.T) {
	cases := []struct {
		name, src, want, banned string
	}{
		{"inline script", "hi <script>alert(1)</script> there", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script"},
		{"block script", "<script>\nalert(1)\n</script>\n", "&lt;script&gt;", "<script"},
		{"img onerror", `<img src=x onerror="alert(1)">`, "&lt;img src=x onerror=", "<img"},
		{"svg", `<svg onload=alert(1)>`, "&lt;svg onload=alert(1)&gt;", "<svg"},
		{"javascript link", "[click](javascript:alert(1))", "click", "javascript:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, c.src)
			if !strings.Contains(got, c.want) {
				t.Errorf("got %q, want it to contain %q", got, c.want)
			}
			if strings.Contains(got, c.banned) {
				t.Errorf("got %q, which contains %q", got, c.banned)
			}
		})
	}
}

func TestMarkdownCodeKeepsWhitespace(t *testing.T) {
	got := render(t, "```go\nfunc f() {\n\treturn  1\n}\n```\n")
	if !strings.Contains(got, "<pre><code class=\"language-go\">func f() {\n\treturn  1\n}\n</code></pre>") {
		t.Errorf("got %q", got)
	}
}

func TestMarkdownRendersFormatting(t *testing.T) {
	got := render(t, "**bold** and a list:\n\n- one\n- two\n")
	for _, want := range []string{"<strong>bold</strong>", "<li>one</li>"} {
		if !strings.Contains(got, want) {
			t.Errorf("got %q, want it to contain %q", got, want)
		}
	}
}
