package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestAPITokenCommand: create prints the token alone on its last line, a
// name is unique, revoke removes it once.
func TestAPITokenCommand(t *testing.T) {
	e := env(map[string]string{"DATABASE_URL": filepath.Join(t.TempDir(), "cli.db")})
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate"}, e, &out, &errOut); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"api-token", "create", "--name", "product"}, e, &out, &errOut); err != nil {
		t.Fatalf("create: %v %s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "sdsvc_") || len(last) < 40 || strings.Contains(last, " ") {
		t.Fatalf("the last line is not the token alone: %q", out.String())
	}
	if err := run(ctx, []string{"api-token", "create", "--name", "product"}, e, &out, &errOut); err == nil {
		t.Error("a second token of the same name was created")
	}
	if err := run(ctx, []string{"api-token", "create"}, e, &out, &errOut); err == nil {
		t.Error("create without --name succeeded")
	}
	if err := run(ctx, []string{"api-token", "revoke", "--name", "product"}, e, &out, &errOut); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if err := run(ctx, []string{"api-token", "revoke", "--name", "product"}, e, &out, &errOut); err == nil || !strings.Contains(err.Error(), "no service token") {
		t.Errorf("second revoke: %v", err)
	}
	if err := run(ctx, []string{"api-token", "--help"}, e, &out, &errOut); err == nil {
		t.Error("api-token without a verb succeeded")
	}
}
