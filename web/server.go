// Package web serves Seatdesk's pages: the route table, one file per
// feature, the middleware and the only code that writes responses.
package web

import (
	"io/fs"
	"log/slog"
	"net/http"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
)

// Config is what the web layer needs from the environment.
type Config struct {
	// BaseURL is the public URL; an https:// URL makes cookies Secure.
	BaseURL string
	// SessionKey signs session cookies (at least 32 bytes).
	SessionKey []byte
}

// Server holds every dependency of the handlers; it has no mutable state of
// its own, so several instances can serve one database.
type Server struct {
	db       *gorm.DB
	clock    models.Clock
	log      *slog.Logger
	catalog  *locales.Catalog
	sessions *SessionStore
	static   fs.FS
}

// New builds the HTTP handler.
func New(cfg Config, db *gorm.DB, clock models.Clock, log *slog.Logger, catalog *locales.Catalog, static fs.FS) http.Handler {
	return newServer(cfg, db, clock, log, catalog, static).handler()
}

func newServer(cfg Config, db *gorm.DB, clock models.Clock, log *slog.Logger, catalog *locales.Catalog, static fs.FS) *Server {
	return &Server{
		db:       db,
		clock:    clock,
		log:      log,
		catalog:  catalog,
		sessions: NewSessionStore(db, clock, cfg.SessionKey, isHTTPS(cfg.BaseURL)),
		static:   static,
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
