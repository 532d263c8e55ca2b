// Package static embeds the CSS, icons and the vendored htmx (copied into
// vendor/ from node_modules by make; not committed).
package static

import "embed"

// Files is the static file tree served under /static/.
//
//go:embed css icons all:vendor
var Files embed.FS
