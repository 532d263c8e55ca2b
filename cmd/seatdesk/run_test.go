package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"serve", "--help"}, {"migrate", "--help"}, {"demo", "--help"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, env(nil), &out, &errOut); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "DATABASE_URL") {
			t.Errorf("%v: help does not document the environment: %s", args, out.String())
		}
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), &out, &errOut); err == nil || !strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("unknown command: err %v, stderr %q", err, errOut.String())
	}
	if err := run(context.Background(), []string{"migrate"}, env(map[string]string{"LOG_LEVEL": "loud"}), &out, &errOut); err == nil {
		t.Error("a bad LOG_LEVEL was accepted")
	}
	if err := run(context.Background(), []string{"migrate"}, env(map[string]string{"SEATDESK_SESSION_KEY": "short"}), &out, &errOut); err == nil {
		t.Error("a short SEATDESK_SESSION_KEY was accepted")
	}
}

func TestMigrateDemoServe(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "cli.db")
	e := map[string]string{"DATABASE_URL": dbPath, "SEATDESK_DEMO_PASSWORD": "cli-demo-pw"}
	var out, errOut bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"serve"}, env(e), &out, &errOut); err == nil || !strings.Contains(err.Error(), "seatdesk migrate") {
		t.Fatalf("serve on an unmigrated database: %v", err)
	}
	if err := run(ctx, []string{"migrate"}, env(e), &out, &errOut); err != nil {
		t.Fatalf("migrate: %v %s", err, errOut.String())
	}
	if err := run(ctx, []string{"demo"}, env(e), &out, &errOut); err != nil {
		t.Fatalf("demo: %v", err)
	}
	if !strings.Contains(out.String(), "primary@acme.example") || !strings.Contains(out.String(), "cli-demo-pw") {
		t.Fatalf("demo did not print the logins: %s", out.String())
	}
	if err := run(ctx, []string{"demo"}, env(e), &out, &errOut); err == nil || !strings.Contains(err.Error(), "already loaded") {
		t.Fatalf("second demo: %v, want a refusal", err)
	}

	// serve on a free port, answer, then shut down gracefully on cancel.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e["SEATDESK_ADDR"] = addr
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	var serveOut syncBuffer
	go func() { done <- run(ctx, []string{"serve", "-demo"}, env(e), &serveOut, &bytes.Buffer{}) }()
	var res *http.Response
	for i := 0; i < 100; i++ {
		if res, err = http.Get("http://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v", err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if s := serveOut.String(); !strings.Contains(s, "http://"+addr) || !strings.Contains(s, "admin@bottega.example") {
		t.Errorf("serve did not print the URL and the logins: %s", s)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
