package templates

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/seatdesk/seatdesk/locales"
)

// t translates a key in the context's language.
func t(ctx context.Context, key string, args ...map[string]any) string {
	return locales.T(ctx, key, args...)
}

func money(ctx context.Context, minor int64, currency string) string {
	return locales.Money(ctx, minor, currency)
}

func date(ctx context.Context, d time.Time) string { return locales.Date(ctx, d) }

func shortDate(ctx context.Context, d time.Time) string { return locales.ShortDate(ctx, d) }

func num(ctx context.Context, n int64) string { return locales.Number(ctx, n) }

// seatLabel names a seat type; "" is Unassigned.
func seatLabel(ctx context.Context, key string) string { return locales.From(ctx).SeatType(key) }

func roleLabel(ctx context.Context, role string) string { return t(ctx, "role."+role) }

func itoa(n int) string { return strconv.Itoa(n) }

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// lastUsed is when a SCIM token was last used, or "never".
func lastUsed(ctx context.Context, at *time.Time) string {
	if at == nil {
		return t(ctx, "provisioning.never")
	}
	return shortDate(ctx, *at)
}

// invoiceMonths says what an invoice line's monthly price is multiplied by:
// the twelve months of the term, prorated for a purchase during it.
func invoiceMonths(ctx context.Context, kind string, start, end time.Time) string {
	if kind == "subscription" {
		return t(ctx, "billing.invoice.per_year")
	}
	return t(ctx, "billing.invoice.prorated", map[string]any{"Days": num(ctx, int64(end.Sub(start).Hours()/24+0.5))})
}

// sortLabelKey is the locale key of a members table order ("name",
// "-name" → members.sort.name, members.sort.name_desc).
func sortLabelKey(sort string) string {
	if rest, ok := strings.CutPrefix(sort, "-"); ok {
		return "members.sort." + rest + "_desc"
	}
	return "members.sort." + sort
}
