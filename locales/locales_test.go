package locales_test

import (
	"context"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/seatdesk/seatdesk/locales"
)

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(s string) string {
	var names []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func load(t *testing.T, lang string) map[string]string {
	t.Helper()
	data, err := fs.ReadFile(locales.Files(), lang+".toml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := locales.Flatten(data)
	if err != nil {
		t.Fatalf("%s.toml: %v", lang, err)
	}
	return m
}

// baseKey drops a plural form: languages may need different plural forms.
func baseKey(k string) string { k, _, _ = strings.Cut(k, "#"); return k }

// TestParity: every key in every locale, the same placeholders, no empty value.
func TestParity(t *testing.T) {
	en := load(t, "en")
	if len(en) < 50 {
		t.Fatalf("en.toml has only %d keys", len(en))
	}
	for _, lang := range locales.Languages {
		other := load(t, lang)
		base := map[string]string{}
		for k, v := range other {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", lang, k)
			}
			base[baseKey(k)] += placeholders(v) + ";"
		}
		enBase := map[string]string{}
		for k, v := range en {
			enBase[baseKey(k)] += placeholders(v) + ";"
		}
		for k := range enBase {
			if _, ok := base[k]; !ok {
				t.Errorf("%s: missing %s", lang, k)
			}
		}
		for k := range base {
			if _, ok := enBase[k]; !ok {
				t.Errorf("%s: %s is not in en.toml", lang, k)
			}
		}
		for k, v := range other {
			if ev, ok := en[k]; ok && placeholders(ev) != placeholders(v) {
				t.Errorf("%s: %s has placeholders {%s}, English has {%s}", lang, k, placeholders(v), placeholders(ev))
			}
		}
	}
}

// TestSeedWording: the Italian and French labels follow the seeds.
func TestSeedWording(t *testing.T) {
	want := map[string]map[string]string{
		"it": {"seats.title": "Posti", "members.col.seat_type": "Tipo di posto", "seat.unassigned": "Non assegnato",
			"seat.type.enterprise": "Posto Enterprise", "nav.settings": "Impostazioni organizzazione",
			"nav.billing": "Fatturazione", "nav.organization": "Organizzazione"},
		"fr": {"seats.title": "Sièges", "members.col.seat_type": "Type de siège", "seat.unassigned": "Non assigné",
			"seat.type.enterprise": "Siège Enterprise", "nav.settings": "Paramètres de l'organisation",
			"nav.billing": "Facturation", "nav.organization": "Organisation"},
		"en": {"seats.title": "Seats", "members.col.seat_type": "Seat type", "seat.unassigned": "Unassigned",
			"seat.type.enterprise": "Enterprise seat", "nav.settings": "Organization settings",
			"nav.billing": "Billing", "nav.organization": "Organization"},
	}
	for lang, keys := range want {
		m := load(t, lang)
		for k, v := range keys {
			if m[k] != v {
				t.Errorf("%s %s = %q, want %q", lang, k, m[k], v)
			}
		}
	}
}

func TestFormatting(t *testing.T) {
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		lang                            string
		money, jpy, number, date, short string
	}{
		{"en", "$18,000.00", "¥1,234", "100,000", "March 5, 2026", "03/05/2026"},
		{"it", "18.000,00\u00a0USD", "1.234\u00a0¥", "100.000", "5 marzo 2026", "05/03/2026"},
		{"fr", "18\u202f000,00\u00a0$US", "1\u202f234\u00a0¥", "100\u00a0000", "5 mars 2026", "05/03/2026"},
	}
	for _, c := range cases {
		l := cat.Locale(c.lang)
		if got := l.Money(1_800_000, "USD"); got != c.money {
			t.Errorf("%s money = %q, want %q", c.lang, got, c.money)
		}
		// Amounts side by side are grouped alike, four digits included.
		if got, want := l.Money(540_000, "EUR"), map[string]string{"en": "€5,400.00", "it": "5.400,00\u00a0€", "fr": "5\u202f400,00\u00a0€"}[c.lang]; got != want {
			t.Errorf("%s EUR = %q, want %q", c.lang, got, want)
		}
		if got := l.Money(1234, "JPY"); got != c.jpy {
			t.Errorf("%s JPY = %q, want %q", c.lang, got, c.jpy)
		}
		if got := l.Number(100000); got != c.number {
			t.Errorf("%s number = %q, want %q", c.lang, got, c.number)
		}
		if got := l.Date(d); got != c.date {
			t.Errorf("%s date = %q, want %q", c.lang, got, c.date)
		}
		if got := l.ShortDate(d); got != c.short {
			t.Errorf("%s short date = %q, want %q", c.lang, got, c.short)
		}
	}
}

func TestMatch(t *testing.T) {
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	for header, want := range map[string]string{
		"it-IT,it;q=0.9,en;q=0.8": "it",
		"fr-CA":                   "fr",
		"de-DE,fr;q=0.5":          "fr",
		"de-DE":                   "en",
		"":                        "en",
		"garbage;;;":              "en",
	} {
		if got := cat.Match(header); got != want {
			t.Errorf("Match(%q) = %q, want %q", header, got, want)
		}
	}
	if got := locales.T(locales.With(context.Background(), cat.Locale("fr")), "nope.key"); !strings.HasPrefix(got, locales.MissingMarker) {
		t.Errorf("a missing key renders %q, want the marker", got)
	}
}

func TestParseMoney(t *testing.T) {
	for _, c := range []struct {
		in   string
		code string
		want int64
		ok   bool
	}{
		{"500", "EUR", 50000, true}, {" 500.5 ", "EUR", 50050, true}, {"500,50", "EUR", 50050, true},
		{"1234", "JPY", 1234, true}, {"12,5", "JPY", 0, false}, {"1.500,50", "EUR", 0, false},
		{"1,500.50", "USD", 0, false}, {"12.345", "EUR", 0, false}, {"-5", "EUR", 0, false},
		{"abc", "EUR", 0, false}, {"", "EUR", 0, false}, {"5e3", "EUR", 0, false}, {"5", "XXX?", 0, false},
	} {
		got, err := locales.ParseMoney(c.in, c.code)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseMoney(%q, %s) = %d, %v; want %d, ok=%v", c.in, c.code, got, err, c.want, c.ok)
		}
	}
}

func TestPlainAmount(t *testing.T) {
	for _, c := range []struct {
		minor int64
		code  string
		want  string
	}{{50050, "EUR", "500.50"}, {5, "EUR", "0.05"}, {0, "USD", "0.00"}, {1234, "JPY", "1234"}} {
		if got := locales.PlainAmount(c.minor, c.code); got != c.want {
			t.Errorf("PlainAmount(%d, %s) = %q, want %q", c.minor, c.code, got, c.want)
		}
		if back, err := locales.ParseMoney(locales.PlainAmount(c.minor, c.code), c.code); err != nil || back != c.minor {
			t.Errorf("round trip of %d %s = %d, %v", c.minor, c.code, back, err)
		}
	}
}
