package web

import (
	"bytes"
	"html"

	"github.com/a-h/templ"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// markdown renders CommonMark with GitHub tables and strikethrough. Raw
// HTML in the source is written out escaped, so it shows as text; links
// with dangerous schemes such as javascript: lose their href, which is
// goldmark's behaviour unless its unsafe option is on.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
	goldmark.WithRendererOptions(
		renderer.WithNodeRenderers(util.Prioritized(escapedHTML{}, 100)),
	),
)

// escapedHTML renders raw HTML nodes as visible, escaped text in place of
// the default "raw HTML omitted" comment, so an annotator sees exactly
// what the model wrote.
type escapedHTML struct{}

func (escapedHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, renderRawHTML)
	reg.Register(ast.KindHTMLBlock, renderHTMLBlock)
}

func renderRawHTML(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	segs := node.(*ast.RawHTML).Segments
	for i := 0; i < segs.Len(); i++ {
		seg := segs.At(i)
		w.WriteString(html.EscapeString(string(seg.Value(source))))
	}
	return ast.WalkSkipChildren, nil
}

func renderHTMLBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	block := node.(*ast.HTMLBlock)
	w.WriteString(`<p class="raw-html">`)
	lines := block.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		w.WriteString(html.EscapeString(string(seg.Value(source))))
	}
	if block.HasClosure() {
		w.WriteString(html.EscapeString(string(block.ClosureLine.Value(source))))
	}
	w.WriteString("</p>\n")
	return ast.WalkContinue, nil
}

// Markdown renders src as HTML that is safe to insert into a page.
func Markdown(src string) templ.Component {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		// NOTE: goldmark reports errors from the writer, and a bytes.Buffer
		// returns none, so this path is not expected to run. Escaped plain
		// text keeps the page safe if it ever does.
		return templ.Raw("<pre>" + html.EscapeString(src) + "</pre>")
	}
	return templ.Raw(buf.String())
}
