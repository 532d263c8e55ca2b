package main

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/migrations"
	"github.com/seatdesk/seatdesk/static"
	"github.com/seatdesk/seatdesk/web"
	"github.com/seatdesk/seatdesk/web/mailer"
)

var errUsage = errors.New("usage")

// #nosec G101 -- the usage text shows the shape of an SMTP URL, it holds no credential.
const usage = `Seatdesk: seat management for Enterprise plans.

Usage:
  seatdesk [serve] [flags]   serve the web console (default)
  seatdesk migrate           apply pending database migrations
  seatdesk demo              load the demo data (refuses if it is already there)
  seatdesk scim-token create --org SLUG --name NAME
                             create a SCIM token; printed alone on the last line
  seatdesk scim-token revoke --org SLUG --name NAME
  seatdesk api-token create --name NAME
                             create a service token for the access API (any organization,
                             named in each request); printed alone on the last line
  seatdesk api-token revoke --name NAME
  seatdesk sso set --org SLUG --issuer URL --client-id ID --client-secret-file FILE --domains a.example,b.example
                             configure an organization's single sign-on [--require] [--groups-claim NAME]
  seatdesk renew [--org SLUG] [--as-of YYYY-MM-DD]
                             renew the terms ended by that date (default today; not before today)
  seatdesk plan migrate --org SLUG
                             move a legacy plan to the Enterprise seat before its renewal
  seatdesk <command> --help  help for a command

Environment:
  DATABASE_URL            postgres://… URL or SQLite file path (default seatdesk.db)
  SEATDESK_ADDR           listen address (default 127.0.0.1:8080)
  SEATDESK_BASE_URL       public URL (default http://<SEATDESK_ADDR>); https:// makes cookies Secure
  SEATDESK_SESSION_KEY    session signing key (default: generated once, stored in the database)
  SEATDESK_SECRET_KEY     key that seals single sign-on client secrets, at least 32 characters
                          (default: generated once, stored in the database)
  SEATDESK_DEMO_PASSWORD  password of every demo login (default demo-password)
  SEATDESK_SMTP_URL       smtp://user:pass@host:587 (STARTTLS), smtps://…:465, or smtp://host:25?tls=none;
                          unset: emails are logged (with the invitation link) instead of sent
  SEATDESK_MAIL_FROM      sender of emails (default seatdesk@localhost)
  LOG_LEVEL               debug, info, warn or error (default info)
`

// config is read from the environment.
type config struct {
	databaseURL  string
	addr         string
	baseURL      string
	sessionKey   string
	secretKey    string
	demoPassword string
	smtpURL      string
	mailFrom     string
	logLevel     slog.Level
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		databaseURL:  getenv("DATABASE_URL"),
		addr:         getenv("SEATDESK_ADDR"),
		baseURL:      getenv("SEATDESK_BASE_URL"),
		sessionKey:   getenv("SEATDESK_SESSION_KEY"),
		secretKey:    getenv("SEATDESK_SECRET_KEY"),
		demoPassword: getenv("SEATDESK_DEMO_PASSWORD"),
		smtpURL:      getenv("SEATDESK_SMTP_URL"),
		mailFrom:     getenv("SEATDESK_MAIL_FROM"),
	}
	if c.mailFrom == "" {
		c.mailFrom = "seatdesk@localhost"
	}
	if c.databaseURL == "" {
		c.databaseURL = "seatdesk.db"
	}
	if c.addr == "" {
		c.addr = "127.0.0.1:8080"
	}
	if c.baseURL == "" {
		c.baseURL = "http://" + c.addr
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	if c.demoPassword == "" {
		c.demoPassword = "demo-password"
	}
	if lvl := getenv("LOG_LEVEL"); lvl != "" {
		if err := c.logLevel.UnmarshalText([]byte(lvl)); err != nil {
			return c, fmt.Errorf("LOG_LEVEL %q: use debug, info, warn or error", lvl)
		}
	}
	if c.sessionKey != "" && len(c.sessionKey) < 32 {
		return c, errors.New("SEATDESK_SESSION_KEY must be at least 32 characters")
	}
	if c.secretKey != "" && len(c.secretKey) < 32 {
		return c, errors.New("SEATDESK_SECRET_KEY must be at least 32 characters")
	}
	return c, nil
}

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	switch cmd {
	case "serve":
		fs := newFlagSet("serve", "Serve the web console.", stdout)
		migrate := fs.Bool("migrate", false, "apply pending migrations before serving")
		demo := fs.Bool("demo", false, "load the demo data if the database has none, and print the demo logins")
		if err := fs.Parse(args); err != nil {
			return flagErr(err)
		}
		return serve(ctx, cfg, log, stdout, *migrate, *demo)
	case "migrate":
		fs := newFlagSet("migrate", "Apply pending database migrations.", stdout)
		if err := fs.Parse(args); err != nil {
			return flagErr(err)
		}
		db, err := openDB(cfg, log)
		if err != nil {
			return err
		}
		if err := migrations.Run(db); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "demo":
		fs := newFlagSet("demo", "Load the demo data; refuses if it is already there.", stdout)
		if err := fs.Parse(args); err != nil {
			return flagErr(err)
		}
		db, err := openDB(cfg, log)
		if err != nil {
			return err
		}
		if err := models.LoadDemo(ctx, db, models.SystemClock{}, cfg.demoPassword); err != nil {
			return err
		}
		printLogins(stdout, cfg)
		return nil
	case "scim-token":
		return scimTokenCommand(ctx, cfg, log, args, stdout, stderr)
	case "sso":
		return ssoCommand(ctx, cfg, log, args, stdout, stderr)
	case "renew":
		return renewCommand(ctx, cfg, log, args, stdout, stderr)
	case "plan":
		return planCommand(ctx, cfg, log, args, stdout, stderr)
	case "api-token":
		return apiTokenCommand(ctx, cfg, log, args, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "seatdesk: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

// scimTokenCommand creates or revokes an organization's SCIM token as the
// system (audited as "operator").
func scimTokenCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		fmt.Fprint(stderr, "Usage: seatdesk scim-token create|revoke --org SLUG --name NAME\n")
		return errUsage
	}
	verb := args[0]
	fs := newFlagSet("scim-token "+verb, "Create or revoke an organization's SCIM token.", stdout)
	slug := fs.String("org", "", "the organization's slug")
	name := fs.String("name", "", "the token's name, unique in the organization")
	if err := fs.Parse(args[1:]); err != nil {
		return flagErr(err)
	}
	if *slug == "" || *name == "" {
		fmt.Fprint(stderr, "seatdesk scim-token: --org and --name are required\n")
		return errUsage
	}
	db, err := openDB(cfg, log)
	if err != nil {
		return err
	}
	org, err := models.OrgBySlug(ctx, db, *slug)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no organization %q", *slug)
	}
	if err != nil {
		return err
	}
	operator := models.SystemActor(org, "operator")
	if verb == "revoke" {
		if err := models.RevokeSCIMToken(ctx, db, operator, *name); errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("%s has no SCIM token named %q", *slug, *name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked SCIM token %q of %s\n", *name, *slug)
		return nil
	}
	raw, _, err := models.CreateSCIMToken(ctx, db, operator, *name)
	var invalid *models.Invalid
	if errors.As(err, &invalid) {
		catalog, lerr := locales.Load()
		if lerr != nil {
			return lerr
		}
		return errors.New(catalog.Locale("en").Message(invalid.Key, invalid.Args))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "SCIM token %q for %s (base URL %s/scim/v2); it is shown only now:\n%s\n", *name, *slug, cfg.baseURL, raw)
	return nil
}

// apiTokenCommand creates or revokes a service token of the access API. The
// tokens belong to the installation, not to an organization, so there is no
// organization's audit log to record them in: the command logs them.
func apiTokenCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		fmt.Fprint(stderr, "Usage: seatdesk api-token create|revoke --name NAME\n")
		return errUsage
	}
	verb := args[0]
	fs := newFlagSet("api-token "+verb, "Create or revoke a service token of the access API (/api/v1/access).", stdout)
	name := fs.String("name", "", "the token's name, unique in the installation")
	if err := fs.Parse(args[1:]); err != nil {
		return flagErr(err)
	}
	if *name == "" {
		fmt.Fprint(stderr, "seatdesk api-token: --name is required\n")
		return errUsage
	}
	db, err := openDB(cfg, log)
	if err != nil {
		return err
	}
	if verb == "revoke" {
		if err := models.RevokeAPIToken(ctx, db, *name); errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("no service token named %q", *name)
		} else if err != nil {
			return err
		}
		log.Info("service token revoked", "name", *name)
		fmt.Fprintf(stdout, "revoked service token %q\n", *name)
		return nil
	}
	raw, _, err := models.CreateAPIToken(ctx, db, *name)
	var invalid *models.Invalid
	if errors.As(err, &invalid) {
		catalog, lerr := locales.Load()
		if lerr != nil {
			return lerr
		}
		return errors.New(catalog.Locale("en").Message(invalid.Key, invalid.Args))
	}
	if err != nil {
		return err
	}
	log.Info("service token created", "name", *name)
	fmt.Fprintf(stdout, "service token %q for %s/api/v1/access; it is shown only now:\n%s\n", *name, cfg.baseURL, raw)
	return nil
}

func newFlagSet(name, what string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: seatdesk %s [flags]\n\n%s\n\n", name, what)
		fs.PrintDefaults()
		fmt.Fprintf(out, "\n%s", usage[strings.Index(usage, "Environment:"):])
	}
	return fs
}

// flagErr turns --help into a clean exit.
func flagErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return errUsage
}

func openDB(cfg config, log *slog.Logger) (*gorm.DB, error) {
	return models.Open(cfg.databaseURL, log)
}

func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer, migrate, demo bool) error {
	db, err := openDB(cfg, log)
	if err != nil {
		return err
	}
	if migrate {
		if err := migrations.Run(db); err != nil {
			return err
		}
	} else if pending, err := migrations.Pending(db); err != nil {
		return err
	} else if pending {
		return errors.New("the database has migrations to apply: run `seatdesk migrate` first (or serve -migrate)")
	}
	if demo {
		present, err := models.HasDemo(ctx, db)
		if err != nil {
			return err
		}
		if !present {
			if err := models.LoadDemo(ctx, db, models.SystemClock{}, cfg.demoPassword); err != nil && !errors.Is(err, models.ErrDemoPresent) {
				return err
			}
		}
	}
	key := []byte(cfg.sessionKey)
	if len(key) > 0 {
		sum := sha512.Sum512(key)
		key = sum[:]
	} else if key, err = models.SessionKey(ctx, db); err != nil {
		return err
	}
	catalog, err := locales.Load()
	if err != nil {
		return err
	}
	mail, err := mailer.New(cfg.smtpURL, cfg.mailFrom, log)
	if err != nil {
		return err
	}
	sealer, err := newSealer(ctx, cfg, db)
	if err != nil {
		return err
	}
	handler := web.New(web.Config{BaseURL: cfg.baseURL, SessionKey: key}, web.Deps{
		DB: db, Clock: models.SystemClock{}, Log: log, Catalog: catalog, Static: static.Files, Mailer: mail, Sealer: sealer,
		// Password hashes (argon2id, 64 MiB each) run two at a time; a sign-in
		// waits up to 2 s for a slot, then answers 429 with Retry-After.
		Hasher: models.NewHasher(models.DefaultHashSlots, 2*time.Second)})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 1 << 16}
	fmt.Fprintf(stdout, "Seatdesk is running at %s (database: %s)\n", cfg.baseURL, describeDB(cfg.databaseURL))
	if demo {
		printLogins(stdout, cfg)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go expireInvitations(ctx, db, log)
	go renewals(ctx, web.NewRenewals(db, models.SystemClock{}, catalog, mail, log, cfg.baseURL), log)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return nil
}

// ssoCommand configures an organization's single sign-on as the system
// (audited as "operator"); the client secret is read from a file, never from
// the command line.
func ssoCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "set" {
		fmt.Fprint(stderr, "Usage: seatdesk sso set --org SLUG --issuer URL --client-id ID --client-secret-file FILE --domains a.example,b.example\n")
		return errUsage
	}
	fs := newFlagSet("sso set", "Configure an organization's single sign-on (OpenID Connect).", stdout)
	slug := fs.String("org", "", "the organization's slug")
	issuer := fs.String("issuer", "", "the identity provider's issuer URL")
	clientID := fs.String("client-id", "", "the client ID registered at the identity provider")
	secretFile := fs.String("client-secret-file", "", "a file holding the client secret")
	domains := fs.String("domains", "", "comma-separated email domains that sign in through this provider")
	require := fs.Bool("require", false, "refuse password sign-in for these domains (except the Primary Owner)")
	groups := fs.String("groups-claim", "groups", "the ID token claim that lists the person's groups")
	if err := fs.Parse(args[1:]); err != nil {
		return flagErr(err)
	}
	if *slug == "" || *issuer == "" || *clientID == "" || *secretFile == "" || *domains == "" {
		fmt.Fprint(stderr, "seatdesk sso set: --org, --issuer, --client-id, --client-secret-file and --domains are required\n")
		return errUsage
	}
	secret, err := os.ReadFile(*secretFile)
	if err != nil {
		return fmt.Errorf("read the client secret: %w", err)
	}
	db, err := openDB(cfg, log)
	if err != nil {
		return err
	}
	org, err := models.OrgBySlug(ctx, db, *slug)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no organization %q", *slug)
	}
	if err != nil {
		return err
	}
	sealer, err := newSealer(ctx, cfg, db)
	if err != nil {
		return err
	}
	err = models.SaveSSO(ctx, db, sealer, models.SystemActor(org, "operator"), models.SSOInput{Issuer: *issuer, ClientID: *clientID,
		ClientSecret: strings.TrimSpace(string(secret)), Domains: *domains, RequireSSO: *require, GroupsClaim: *groups})
	var invalid *models.Invalid
	if errors.As(err, &invalid) {
		catalog, lerr := locales.Load()
		if lerr != nil {
			return lerr
		}
		return errors.New(catalog.Locale("en").Message(invalid.Key, invalid.Args))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "single sign-on set for %s; register the redirect URI %s/sso/callback at the identity provider\n", *slug, cfg.baseURL)
	return nil
}

// newSealer builds the sealer of stored secrets from SEATDESK_SECRET_KEY
// (hashed to 32 bytes) or from the key stored in the database.
func newSealer(ctx context.Context, cfg config, db *gorm.DB) (models.Sealer, error) {
	if cfg.secretKey != "" {
		sum := sha256.Sum256([]byte(cfg.secretKey))
		return models.NewSealer(sum[:])
	}
	key, err := models.SecretKey(ctx, db)
	if err != nil {
		return models.Sealer{}, err
	}
	return models.NewSealer(key)
}

func printLogins(out io.Writer, cfg config) {
	fmt.Fprintf(out, "Demo logins (password: %s):\n", cfg.demoPassword)
	for _, l := range models.DemoLogins() {
		fmt.Fprintf(out, "  %-24s %-8s %s\n", l.Email, l.Org, l.Role)
	}
}

func describeDB(dsn string) string {
	if models.IsPostgres(dsn) {
		return "PostgreSQL"
	}
	return "SQLite file " + dsn
}

// expireInvitations frees the seats of expired invitations once a minute
// (every instance may do it: each organization is handled under its lock).
func expireInvitations(ctx context.Context, db *gorm.DB, log *slog.Logger) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := models.ExpireInvitations(ctx, db, models.SystemClock{}); err != nil && ctx.Err() == nil {
				log.Error("expire invitations", "error", err.Error())
			}
		}
	}
}
