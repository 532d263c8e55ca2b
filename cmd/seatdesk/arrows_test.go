package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPackageArrows: the package arrows run one way (CONVENTIONS §1):
// models imports none of web, templates, locales or net/http; templates
// imports no models and no web. `make lint` runs this test.
func TestPackageArrows(t *testing.T) {
	const mod = "github.com/seatdesk/seatdesk/"
	forbidden := map[string][]string{
		mod + "models/...":    {mod + "web", mod + "templates", mod + "locales", "net/http", "github.com/a-h/templ"},
		mod + "templates/...": {mod + "models", mod + "web"},
		mod + "locales/...":   {mod + "models", mod + "web", mod + "templates"},
	}
	for pkgs, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", "-test=false", pkgs).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkgs, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 5 {
			t.Fatalf("go list -deps %s listed %d packages", pkgs, len(deps))
		}
		for _, dep := range deps {
			for _, b := range bad {
				if dep == b || strings.HasPrefix(dep, b+"/") {
					t.Errorf("%s depends on %s", strings.TrimSuffix(pkgs, "/..."), dep)
				}
			}
		}
	}
}
