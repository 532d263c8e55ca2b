package web

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	smtp "github.com/emersion/go-smtp"
)

// inbox is a real SMTP server (github.com/emersion/go-smtp) on loopback that
// keeps every message it receives.
type inbox struct {
	addr string
	mu   sync.Mutex
	msgs []received
}

type received struct {
	From, To, Subject, Body string
}

func newInbox(t testing.TB) *inbox {
	t.Helper()
	in := &inbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{in: in}, nil }))
	srv.Domain = "inbox.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return in
}

// url is the SEATDESK_SMTP_URL of the inbox.
func (in *inbox) url() string { return "smtp://" + in.addr + "?tls=none" }

// last returns the newest message to an address, waiting a little for it.
func (in *inbox) last(t testing.TB, to string) received {
	t.Helper()
	for range 100 {
		in.mu.Lock()
		for i := len(in.msgs) - 1; i >= 0; i-- {
			if in.msgs[i].To == to {
				m := in.msgs[i]
				in.mu.Unlock()
				return m
			}
		}
		in.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no message to %s", to)
	return received{}
}

func (in *inbox) count() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.msgs)
}

type smtpSession struct {
	in       *inbox
	from, to string
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	s.in.mu.Lock()
	s.in.msgs = append(s.in.msgs, received{From: s.from, To: s.to, Subject: subject, Body: string(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")))})
	s.in.mu.Unlock()
	return nil
}
