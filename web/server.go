// Package web serves Seatdesk's pages: the route table, one file per
// feature, the middleware and the only code that writes responses.
package web

import (
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/web/mailer"
)

// Config is what the web layer needs from the environment.
type Config struct {
	// BaseURL is the public URL; an https:// URL makes cookies Secure.
	BaseURL string
	// SessionKey signs session cookies (at least 32 bytes).
	SessionKey []byte
}

// Deps are the dependencies run() builds and passes down.
type Deps struct {
	DB      *gorm.DB
	Clock   models.Clock
	Log     *slog.Logger
	Catalog *locales.Catalog
	Static  fs.FS
	Mailer  mailer.Mailer
	Sealer  models.Sealer // seals the client secrets of single sign-on
	// Hasher bounds the password hashes computed at once (64 MiB each);
	// nil gets a pool of models.DefaultHashSlots.
	Hasher *models.Hasher
}

// Server holds every dependency of the handlers; it has no mutable state of
// its own, so several instances can serve one database.
type Server struct {
	Deps
	sessions   *SessionStore
	baseURL    string
	httpClient *http.Client // to identity providers
	// https: the public base URL is https, so cookies are Secure and HSTS is
	// sent even when TLS ends at a proxy in front of Seatdesk.
	https bool
}

// New builds the HTTP handler.
func New(cfg Config, deps Deps) http.Handler { return newServer(cfg, deps).handler() }

func newServer(cfg Config, d Deps) *Server {
	if d.Hasher == nil {
		d.Hasher = models.NewHasher(models.DefaultHashSlots, hashWait)
	}
	return &Server{
		Deps:       d,
		sessions:   NewSessionStore(d.DB, d.Clock, cfg.SessionKey, isHTTPS(cfg.BaseURL)),
		baseURL:    cfg.BaseURL,
		httpClient: &http.Client{Timeout: 10 * time.Second},
		https:      isHTTPS(cfg.BaseURL),
	}
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.Pattern, s.guard(rt))
	}
	mux.Handle("GET /static/", s.staticFiles())
	return s.middleware(mux)
}

func isHTTPS(baseURL string) bool { return len(baseURL) >= 8 && baseURL[:8] == "https://" }
