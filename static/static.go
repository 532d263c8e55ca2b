// Package static embeds the CSS, icons, the small scripts of js/ (the CSP
// allows no inline script) and the vendored htmx (copied into vendor/ from
// node_modules by make; not committed).
package static

import "embed"

// Files is the static file tree served under /static/.
//
//go:embed css icons js all:vendor
var Files embed.FS
