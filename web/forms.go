package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

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
