// Package mailer delivers Seatdesk's emails through an SMTP server
// (github.com/wneessen/go-mail), or logs them when none is configured.
package mailer

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	mail "github.com/wneessen/go-mail"
)

// Mailer sends one plain-text email.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
	// Configured is false for the log mailer: nothing leaves the machine.
	Configured() bool
}

// New returns an SMTP mailer for an smtp:// or smtps:// URL
// (smtp://user:password@host:587; ?tls=none for a local server without TLS),
// or, for an empty URL, a mailer that logs each message.
func New(rawURL, from string, log *slog.Logger) (Mailer, error) {
	if rawURL == "" {
		return logMailer{log: log}, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("SEATDESK_SMTP_URL: %w", err)
	}
	opts := []mail.Option{mail.WithTimeout(15 * time.Second)}
	port := 587
	switch u.Scheme {
	case "smtp":
		switch u.Query().Get("tls") {
		case "none":
			opts = append(opts, mail.WithTLSPortPolicy(mail.NoTLS))
		case "", "starttls":
			opts = append(opts, mail.WithTLSPortPolicy(mail.TLSMandatory))
		default:
			return nil, fmt.Errorf("SEATDESK_SMTP_URL: tls=%s: use none or starttls", u.Query().Get("tls"))
		}
	case "smtps":
		port = 465
		opts = append(opts, mail.WithSSLPort(false))
	default:
		return nil, fmt.Errorf("SEATDESK_SMTP_URL: scheme %q: use smtp:// or smtps://", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SEATDESK_SMTP_URL: port %q", p)
		}
	}
	opts = append(opts, mail.WithPort(port))
	if u.User != nil {
		pw, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(u.User.Username()), mail.WithPassword(pw))
	}
	if _, err := mail.NewClient(u.Hostname(), opts...); err != nil {
		return nil, fmt.Errorf("SEATDESK_SMTP_URL: %w", err)
	}
	return &smtpMailer{host: u.Hostname(), opts: opts, from: from}, nil
}

type smtpMailer struct {
	host string
	opts []mail.Option
	from string
}

func (m *smtpMailer) Configured() bool { return true }

// Send dials the server for each message: Seatdesk sends few emails, and a
// fresh connection never goes stale.
func (m *smtpMailer) Send(ctx context.Context, to, subject, body string) error {
	msg := mail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return fmt.Errorf("from %q: %w", m.from, err)
	}
	if err := msg.To(to); err != nil {
		return fmt.Errorf("to %q: %w", to, err)
	}
	msg.Subject(subject)
	msg.SetBodyString(mail.TypeTextPlain, body)
	client, err := mail.NewClient(m.host, m.opts...)
	if err != nil {
		return err
	}
	return client.DialAndSendWithContext(ctx, msg)
}

type logMailer struct{ log *slog.Logger }

func (logMailer) Configured() bool { return false }

func (l logMailer) Send(ctx context.Context, to, subject, body string) error {
	l.log.InfoContext(ctx, "email not sent (SEATDESK_SMTP_URL is not set)", "to", to, "subject", subject, "body", body)
	return nil
}
