# Seatdesk. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
GO ?= go
BIN := bin/seatdesk
HTMX := static/vendor/htmx.min.js
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run build test e2e conformance bench fuzz soak generate fmt lint check clean

run: build ## migrate and seed an embedded SQLite database, then serve
	./$(BIN) serve -migrate -demo

build: $(HTMX) generate
	$(GO) build -o $(BIN) ./cmd/seatdesk

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(HTMX): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

generate:
	$(GO) tool templ generate -log-level error

test: $(HTMX) generate ## every Go test; on PostgreSQL too when TEST_DATABASE_URL is set
	$(GO) test -count=1 ./...

e2e: build ## browser tests: the real binary in Debian's Chromium
	npx playwright test

conformance: build ## Okta's SCIM 2.0 SPEC test (newman) through Prism checking every answer against Okta's SCIM OpenAPI, on a fresh server; on PostgreSQL too when TEST_DATABASE_URL is set
	e2e/conformance.sh

bench: $(HTMX) generate ## the 100,000-member figures: members page on PostgreSQL (200 requests a variant) and SQLite (30), each search, filter and sort shape next to its SQL sent directly, seat change at 16 clients on PostgreSQL next to its transaction sent directly (1,600 a variant), SCIM lookups at 100,000 members and 10,000 SCIM creates at 16 clients, a group mapping moving 10,000 members, access checks at 32 clients next to their SQL, audit log pages at 1,000,000 events
	@test -n "$$TEST_DATABASE_URL" || { echo "make bench needs PostgreSQL: set TEST_DATABASE_URL, e.g." \
		"TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' make bench" >&2; exit 1; }
	$(GO) test -count=1 -timeout 10m -run '^$$' -bench '^BenchmarkMembersPage$$/^postgres$$' -benchtime 200x ./web/
	$(GO) test -count=1 -timeout 10m -run '^$$' -bench '^BenchmarkSeatChange$$' -benchtime 1600x ./web/
	$(GO) test -count=1 -timeout 10m -run '^$$' -bench '^BenchmarkMembersPage$$/^sqlite$$' -benchtime 30x ./web/
	$(GO) test -count=1 -timeout 15m -run '^$$' -bench '^BenchmarkSCIM$$' -benchtime 1x ./web/
	$(GO) test -count=1 -timeout 10m -run '^$$' -bench '^BenchmarkMappingSave$$' -benchtime 1x ./web/
	$(GO) test -count=1 -timeout 20m -run '^$$' -bench '^BenchmarkAccess$$' -benchtime 1x ./web/

SOAK_REQUESTS ?= 3000
soak: build ## two real instances on one PostgreSQL, a mix of $(SOAK_REQUESTS) requests, one instance killed mid-run; needs TEST_DATABASE_URL
	@test -n "$$TEST_DATABASE_URL" || { echo "make soak needs PostgreSQL: set TEST_DATABASE_URL" >&2; exit 1; }
	SEATDESK_SOAK=1 SEATDESK_BIN=$(CURDIR)/$(BIN) SOAK_REQUESTS=$(SOAK_REQUESTS) \
		$(GO) test -count=1 -timeout 10m -run '^TestSoak$$' -v ./cmd/seatdesk/

FUZZTIME ?= 20s
fuzz: $(HTMX) generate ## the fuzz tests, FUZZTIME each (their corpus in testdata/ also runs in make test): the SCIM filter parser, and every route's form and query parameters (no server error; SQLite, and PostgreSQL with TEST_DATABASE_URL)
	$(GO) test -run '^$$' -fuzz '^FuzzSCIMFilter$$' -fuzztime $(FUZZTIME) ./models/
	$(GO) test -count=1 -run '^$$' -fuzz '^FuzzRoutes$$' -fuzztime $(FUZZTIME) -parallel 2 ./web/

fmt:
	$(GO) tool templ fmt templates
	gofmt -w $$(git ls-files '*.go')

# Linters at pinned versions, run with `go run pkg@version` (outside go.mod, so
# their dependencies stay out of ours). Zero findings; each exclusion is a
# `#nosec <rule> -- why` comment next to the line it excuses.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOSEC := github.com/securego/gosec/v2/cmd/gosec@v2.30.0

lint: generate ## go vet, staticcheck and gosec (zero findings), and the package arrows run one way (models imports no web, templates or net/http; templates no models)
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(GOSEC) -quiet ./...
	$(GO) test -count=1 -run '^TestPackageArrows$$' ./cmd/seatdesk/

check: generate ## generated code, formatting and go.mod are current
	$(GO) mod tidy
	$(GO) tool templ fmt -fail templates
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	git diff --exit-code -- go.mod go.sum '*_templ.go'

clean:
	rm -rf bin static/vendor/htmx.min.js
