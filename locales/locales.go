// Package locales holds Seatdesk's translations (en, it, fr) and formats
// money, numbers and dates for the user's locale.
package locales

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/bojanz/currency"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed *.toml
var files embed.FS

// Languages are the supported languages, the default first.
var Languages = []string{"en", "it", "fr"}

// MissingMarker wraps a key that has no translation; tests look for it.
const MissingMarker = "⟦"

// Catalog is every translation, loaded once at start.
type Catalog struct {
	bundle  *i18n.Bundle
	matcher language.Matcher
	tags    []language.Tag
}

// Load parses the embedded translation files.
func Load() (*Catalog, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	var tags []language.Tag
	for _, lang := range Languages {
		if _, err := bundle.LoadMessageFileFS(files, lang+".toml"); err != nil {
			return nil, fmt.Errorf("load %s.toml: %w", lang, err)
		}
		tags = append(tags, language.MustParse(lang))
	}
	return &Catalog{bundle: bundle, matcher: language.NewMatcher(tags), tags: tags}, nil
}

// Match picks the supported language for a ?lang= value, a cookie value or an
// Accept-Language header, in that order of preference; English when none fits.
func (c *Catalog) Match(choices ...string) string {
	for _, choice := range choices {
		if choice == "" {
			continue
		}
		tags, _, err := language.ParseAcceptLanguage(choice)
		if err != nil || len(tags) == 0 {
			continue
		}
		_, idx, conf := c.matcher.Match(tags...)
		if conf != language.No {
			return Languages[idx]
		}
	}
	return Languages[0]
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Locale translates and formats for one language.
type Locale struct {
	Lang      string
	localizer *i18n.Localizer
	printer   *message.Printer
	money     *currency.Formatter
}

// Locale returns the Locale of a supported language (English otherwise).
func (c *Catalog) Locale(lang string) *Locale {
	if !Supported(lang) {
		lang = Languages[0]
	}
	tag := language.MustParse(lang)
	money := currency.NewFormatter(currency.NewLocale(lang))
	// CLDR gives Italian the bare "$" for the US dollar, which could be any
	// dollar: outside English a bare "$" becomes the code ("18.000,00 USD";
	// French already says "$US").
	if sym, ok := currency.GetSymbol("USD", money.Locale()); ok && sym == "$" && lang != "en" {
		money.SymbolMap = map[string]string{"USD": "USD"}
	}
	return &Locale{
		Lang:      lang,
		localizer: i18n.NewLocalizer(c.bundle, lang),
		printer:   message.NewPrinter(tag),
		money:     money,
	}
}

// T translates key with named placeholders; a "Count" argument selects the
// plural form. A missing key comes back as ⟦key⟧.
func (l *Locale) T(key string, args map[string]any) string {
	cfg := &i18n.LocalizeConfig{MessageID: key, TemplateData: args}
	if n, ok := args["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := l.localizer.Localize(cfg)
	if err != nil || s == "" {
		return MissingMarker + key + "⟧"
	}
	return s
}

// Message translates an error message: its whole-number arguments are
// formatted for the locale ("10,000", "10.000", "10 000").
func (l *Locale) Message(key string, args map[string]any) string {
	formatted := make(map[string]any, len(args))
	for k, v := range args {
		switch n := v.(type) {
		case int:
			formatted[k] = l.Number(int64(n))
		case int64:
			formatted[k] = l.Number(n)
		default:
			formatted[k] = v
		}
	}
	return l.T(key, formatted)
}

// SeatType names a seat type; "" is Unassigned.
func (l *Locale) SeatType(key string) string {
	if key == "" {
		return l.T("seat.unassigned", nil)
	}
	return l.T("seat.type."+key, nil)
}

// Number formats an integer with the locale's grouping.
func (l *Locale) Number(n int64) string { return l.printer.Sprintf("%d", n) }

// Money formats an amount in minor units of an ISO currency.
func (l *Locale) Money(minor int64, code string) string {
	amount, err := currency.NewAmountFromInt64(minor, code)
	if err != nil {
		return fmt.Sprintf("%d %s", minor, code)
	}
	out := l.money.Format(amount)
	if l.Lang == "it" {
		// CLDR groups Italian digits only from five on ("5400,00 €" next to
		// "18.000,00 €"): amounts side by side are grouped alike.
		out = itFourDigits.ReplaceAllString(out, "$1$2.$3$4")
	}
	return out
}

// itFourDigits is an Italian amount of four whole digits, ungrouped.
var itFourDigits = regexp.MustCompile(`^(-?)(\d)(\d{3})(\D|$)`)

// Date formats a calendar date (in UTC) in the locale's long form.
func (l *Locale) Date(t time.Time) string {
	t = t.UTC()
	return l.T("date.long", map[string]any{
		"Day":   t.Day(),
		"Month": l.T(fmt.Sprintf("date.month.m%02d", int(t.Month())), nil),
		"Year":  t.Year(),
	})
}

// ShortDate formats a calendar date (in UTC) compactly, for tables.
func (l *Locale) ShortDate(t time.Time) string {
	t = t.UTC()
	return l.T("date.short", map[string]any{
		"Day":   fmt.Sprintf("%02d", t.Day()),
		"Month": fmt.Sprintf("%02d", int(t.Month())),
		"Year":  t.Year(),
	})
}

type ctxKey struct{}

// With returns a context carrying the locale.
func With(ctx context.Context, l *Locale) context.Context { return context.WithValue(ctx, ctxKey{}, l) }

// From returns the context's locale; nil when none was set.
func From(ctx context.Context) *Locale {
	l, _ := ctx.Value(ctxKey{}).(*Locale)
	return l
}

// T translates key in the context's language.
func T(ctx context.Context, key string, args ...map[string]any) string {
	l := From(ctx)
	if l == nil {
		return MissingMarker + key + "⟧"
	}
	var a map[string]any
	if len(args) > 0 {
		a = args[0]
	}
	return l.T(key, a)
}

// Money formats minor units of a currency in the context's locale.
func Money(ctx context.Context, minor int64, code string) string { return From(ctx).Money(minor, code) }

// Date formats a date in the context's locale.
func Date(ctx context.Context, t time.Time) string { return From(ctx).Date(t) }

// ShortDate formats a date compactly in the context's locale.
func ShortDate(ctx context.Context, t time.Time) string { return From(ctx).ShortDate(t) }

// Number formats an integer in the context's locale.
func Number(ctx context.Context, n int64) string { return From(ctx).Number(n) }

// Files returns the raw translation files, for the parity test.
func Files() fs.FS { return files }

// Flatten returns every key of a TOML translation file with its text (plural
// forms as key#form).
func Flatten(data []byte) (map[string]string, error) {
	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			switch v := v.(type) {
			case string:
				if isPluralForm(k) {
					out[prefix+"#"+k] = v
				} else {
					out[key] = v
				}
			case map[string]any:
				walk(key, v)
			}
		}
	}
	walk("", raw)
	return out, nil
}

func isPluralForm(k string) bool {
	switch strings.ToLower(k) {
	case "zero", "one", "two", "few", "many", "other":
		return true
	}
	return false
}

// ParseMoney reads an amount typed as digits with an optional decimal part
// after "." or "," ("500", "500.50", "500,5") into minor units of the
// currency. Grouping separators are refused rather than guessed, since "1.500"
// means 1500 in Italian and 1.5 in English.
func ParseMoney(s, code string) (int64, error) {
	digits, ok := currency.GetDigits(code)
	if !ok {
		return 0, fmt.Errorf("unknown currency %s", code)
	}
	m := moneyPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || len(m[2]) > int(digits) {
		return 0, fmt.Errorf("%q is not an amount in %s", s, code)
	}
	whole, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, err
	}
	frac := m[2] + strings.Repeat("0", int(digits)-len(m[2]))
	minor := whole
	for range digits {
		minor *= 10
	}
	if frac != "" {
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil {
			return 0, err
		}
		minor += f
	}
	return minor, nil
}

// PlainAmount writes minor units as digits and a decimal point ("500.50"),
// the form ParseMoney reads back.
func PlainAmount(minor int64, code string) string {
	digits, _ := currency.GetDigits(code)
	s := strconv.FormatInt(minor, 10)
	if digits == 0 {
		return s
	}
	for len(s) <= int(digits) {
		s = "0" + s
	}
	return s[:len(s)-int(digits)] + "." + s[len(s)-int(digits):]
}

var moneyPattern = regexp.MustCompile(`^(\d{1,12})(?:[.,](\d{1,4}))?$`)
