// Package web holds the server-rendered pages as templ components, the
// markdown renderer they use, and the static assets, embedded.
package web

import "embed"

// Static holds the stylesheet and the keyboard-shortcut script under
// "static/".
//
//go:embed static
var Static embed.FS
