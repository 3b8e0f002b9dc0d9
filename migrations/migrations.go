// Package migrations embeds the SQL schema, applied in order by
// golang-migrate at start-up.
package migrations

import "embed"

// Files holds every NNNN_name.up.sql and .down.sql in this folder.
//
//go:embed *.sql
var Files embed.FS
