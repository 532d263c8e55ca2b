package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/seatdesk/seatdesk/models"
)

var (
	wholeNumber = regexp.MustCompile(`^[0-9]{1,9}$`)
	digitsOnly  = regexp.MustCompile(`^[0-9]+$`)
)

// formInt reads a whole number in [min, max] from a form field. Empty, signed,
// fractional, non-numeric and out-of-range values are *models.Invalid with
// the field's name and a message for the user.
func formInt(r *http.Request, field string, min, max int, rangeKey string) (int, error) {
	raw := strings.TrimSpace(r.PostFormValue(field))
	if raw == "" {
		return 0, models.Invalidf(field, "form.required", nil)
	}
	if strings.HasPrefix(raw, "-") {
		return 0, models.Invalidf(field, rangeKey, map[string]any{"Min": min, "Max": max})
	}
	if !wholeNumber.MatchString(raw) {
		if digitsOnly.MatchString(raw) { // too many digits: out of range
			return 0, models.Invalidf(field, rangeKey, map[string]any{"Min": min, "Max": max})
		}
		return 0, models.Invalidf(field, "form.whole_number", nil)
	}
	n, _ := strconv.Atoi(raw)
	if n < min || n > max {
		return 0, models.Invalidf(field, rangeKey, map[string]any{"Min": min, "Max": max})
	}
	return n, nil
}

// Limits at the edge: no field of Seatdesk is longer than maxFieldBytes (the
// longest, a password, is at most 1,024 bytes), and no form body is larger
// than maxBodyBytes.
const (
	maxFieldBytes = 4096
	maxBodyBytes  = 64 << 10
)

// largeForms are the routes whose form may be larger: a bulk invitation
// carries up to 500 addresses, or a CSV file of 500 rows (web/bulk.go), in
// the fields of largeFields. A test checks that each is a route.
var largeForms = map[string]bool{
	"POST /orgs/{org}/settings/organization/bulk-invite":     true,
	"POST /orgs/{org}/settings/organization/bulk-invite/buy": true,
}

var largeFields = map[string]bool{"addresses": true, "csv_text": true}

const (
	maxLargeFieldBytes = 256 << 10
	maxLargeBodyBytes  = 2*maxLargeFieldBytes + maxBodyBytes
)

// checkInput refuses, before any handler runs, what no field accepts and
// PostgreSQL would reject with an error: a NUL byte or invalid UTF-8 in the
// path (404: no such page), or in a query or form value (422, in the user's
// language), and over-long values. Both databases answer the same.
func checkInput(w http.ResponseWriter, r *http.Request, pattern string) error {
	if !cleanText(r.URL.Path) {
		return models.ErrNotFound
	}
	query, _ := url.ParseQuery(r.URL.RawQuery) // malformed escapes are dropped, as r.URL.Query() does
	if err := checkValues(query, false); err != nil {
		return err
	}
	if r.Method != http.MethodPost {
		return nil
	}
	large := largeForms[pattern]
	limit := int64(maxBodyBytes)
	if large {
		limit = maxLargeBodyBytes
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return models.Invalidf("", "form.too_long", nil)
		}
	}
	return checkValues(r.PostForm, large)
}

// checkValues refuses a value with bad bytes, or too long; large allows the
// fields of largeFields up to maxLargeFieldBytes.
func checkValues(vs url.Values, large bool) error {
	for k, list := range vs {
		if !cleanText(k) {
			return models.Invalidf("", "form.bad_characters", nil)
		}
		for _, v := range list {
			if !cleanText(v) {
				return models.Invalidf(k, "form.bad_characters", nil)
			}
			if len(v) > maxFieldBytes && !(large && largeFields[k] && len(v) <= maxLargeFieldBytes) {
				return models.Invalidf(k, "form.too_long", nil)
			}
		}
	}
	return nil
}

// cleanText is valid UTF-8 without NUL bytes.
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
