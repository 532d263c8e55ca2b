package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// Organization settings › Audit log (R-AUDIT-1), its CSV export, a member's
// seat history, and Billing's seat ledger with its CSV.

func auditPath(slug string) string { return "/orgs/" + slug + "/settings/audit-log" }

// auditQueryValues is the filter as URL values (empty ones left out).
func auditQueryValues(f auditForm) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"kind": f.kind, "actor": f.actor, "member": f.member, "from": f.from, "to": f.to} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// auditForm is the filter as typed.
type auditForm struct{ kind, actor, member, from, to string }

func readAuditForm(r *http.Request) auditForm {
	q := r.URL.Query()
	return auditForm{kind: q.Get("kind"), actor: strings.TrimSpace(q.Get("actor")), member: strings.TrimSpace(q.Get("member")),
		from: strings.TrimSpace(q.Get("from")), to: strings.TrimSpace(q.Get("to"))}
}

func (f auditForm) filter() (models.AuditFilter, error) {
	return models.ParseAuditFilter(f.kind, f.actor, f.member, f.from, f.to)
}

// AuditLog is the audit log page: one page of the filtered log.
func (s *Server) AuditLog(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := ActorFrom(ctx)
	loc := locales.From(ctx)
	form := readAuditForm(r)
	base := auditPath(actor.Org.Slug)
	vm := templates.AuditLog{BaseURL: base, Kinds: models.AuditKinds, Kind: form.kind, Actor: form.actor, Member: form.member,
		From: form.from, To: form.to}
	title := loc.T("nav.audit", nil)
	f, err := form.filter()
	var before, after *models.AuditCursor
	if err == nil {
		before, err = models.ParseAuditCursor(r.URL.Query().Get("before"))
	}
	if err == nil {
		after, err = models.ParseAuditCursor(r.URL.Query().Get("after"))
	}
	if invalid, ok := asInvalid(err); ok {
		vm.Error = loc.Message(invalid.Key, invalid.Args)
		return s.page(w, r, http.StatusUnprocessableEntity, title, "audit", templates.AuditLogPage(vm))
	}
	if err != nil {
		return err
	}
	page, err := models.AuditLog(ctx, s.DB, actor, f, before, after)
	if err != nil {
		return err
	}
	q := auditQueryValues(form)
	link := func(key string, c *models.AuditCursor) string {
		v := auditQueryValues(form)
		v.Set(key, c.String())
		return base + "?" + v.Encode()
	}
	if page.Older != nil {
		vm.OlderURL = link("before", page.Older)
	}
	if page.Newer != nil {
		vm.NewerURL = link("after", page.Newer)
	}
	if before != nil || after != nil {
		vm.NewestURL = base
		if len(q) > 0 {
			vm.NewestURL += "?" + q.Encode()
		}
	}
	vm.ExportURL = base + "/export.csv"
	if len(q) > 0 {
		vm.ExportURL += "?" + q.Encode()
	}
	canInvoices := actor.Allowed(models.ViewBilling)
	for _, e := range page.Entries {
		vm.Rows = append(vm.Rows, s.auditRow(r, e, "", canInvoices))
	}
	return s.page(w, r, http.StatusOK, title, "audit", templates.AuditLogPage(vm))
}

func asInvalid(err error) (*models.Invalid, bool) {
	inv, ok := err.(*models.Invalid)
	return inv, ok
}

// auditCSVHeader is the export's columns, documented in the README.
var auditCSVHeader = []string{"time_utc", "event_id", "kind", "action", "actor_kind", "actor", "member", "subject_type",
	"subject_id", "summary", "before_json", "after_json"}

// AuditExport streams the filtered log as CSV, newest first.
func (s *Server) AuditExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := ActorFrom(ctx)
	f, err := readAuditForm(r).filter()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("audit-log-%s-%s.csv", actor.Org.Slug, s.Clock.Now().UTC().Format("20060102-150405"))
	var out *csvStream
	err = models.EachAuditEvent(ctx, s.DB, actor, f, func(e models.AuditEntry) error {
		if out == nil {
			var err error
			if out, err = startCSV(w, name, auditCSVHeader); err != nil {
				return err
			}
		}
		row := s.auditRow(r, e, "", false)
		return out.Row([]string{e.CreatedAt.UTC().Format(time.RFC3339), strconv.FormatInt(e.ID, 10), e.Kind, e.Action,
			string(e.ActorKind), e.ActorName, e.MemberEmail, e.SubjectType, strconv.FormatInt(e.SubjectID, 10),
			summary(row), e.Before, e.After})
	})
	if err != nil {
		return err
	}
	if out == nil { // no event: the header alone
		if out, err = startCSV(w, name, auditCSVHeader); err != nil {
			return err
		}
	}
	return out.Close()
}

// summary is a row's words on one line: "What: field: before → after; …".
func summary(r templates.AuditRow) string {
	parts := []string{r.What}
	for _, c := range r.Changes {
		parts = append(parts, c.Field+": "+c.Before+" → "+c.After)
	}
	if r.Invoice != "" {
		parts = append(parts, r.Invoice)
	}
	return strings.Join(parts, "; ")
}

// MemberHistory is a member's seat history.
func (s *Server) MemberHistory(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := ActorFrom(ctx)
	id, err := idParam(r)
	if err != nil {
		return err
	}
	h, err := models.MemberSeatHistory(ctx, s.DB, actor, id)
	if err != nil {
		return err
	}
	m := h.Member
	vm := templates.SeatHistory{Name: m.Name, Email: m.Email, Status: string(m.Status), Source: string(m.Source), Since: m.CreatedAt,
		AuditURL: auditPath(actor.Org.Slug) + "?" + url.Values{"member": {m.Email}}.Encode(),
		BackURL:  "/orgs/" + actor.Org.Slug + "/settings/organization"}
	if m.SeatTypeKey != nil {
		vm.SeatType = *m.SeatTypeKey
	}
	canInvoices := actor.Allowed(models.ViewBilling)
	for _, e := range h.Events {
		vm.Rows = append(vm.Rows, s.auditRow(r, e, h.Invoice[e.ID], canInvoices))
	}
	title := locales.T(ctx, "history.title", map[string]any{"Name": m.Name})
	return s.page(w, r, http.StatusOK, title, "organization", templates.SeatHistoryPage(vm))
}

// auditRow puts an event into words in the request's language.
func (s *Server) auditRow(r *http.Request, e models.AuditEntry, invoice string, canInvoices bool) templates.AuditRow {
	ctx := r.Context()
	loc := locales.From(ctx)
	slug := ActorFrom(ctx).Org.Slug
	base := auditPath(slug)
	var before, after map[string]any
	_ = json.Unmarshal([]byte(e.Before), &before)
	_ = json.Unmarshal([]byte(e.After), &after)
	row := templates.AuditRow{ID: e.ID, At: e.CreatedAt, Actor: e.ActorName,
		ActorKind: loc.T("audit.actor_kind."+string(e.ActorKind), nil),
		ActorURL:  base + "?" + url.Values{"actor": {e.ActorName}}.Encode(),
		What:      actionLabel(loc, e.Action)}
	switch {
	case e.MemberEmail != "":
		row.Subject = e.MemberEmail
		row.SubjectURL = base + "?" + url.Values{"member": {e.MemberEmail}}.Encode()
	default:
		row.Subject = subjectOf(loc, e.SubjectType, before, after)
	}
	currency, _ := after["currency"].(string)
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		switch k {
		case "member", "currency", "invoice":
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b, a := valueWords(loc, e.SubjectType, k, before, currency), valueWords(loc, e.SubjectType, k, after, currency)
		if b == a && before != nil && after != nil {
			continue
		}
		row.Changes = append(row.Changes, templates.AuditChange{Field: fieldLabel(loc, k), Before: b, After: a})
	}
	if inv, _ := after["invoice"].(string); inv != "" && e.Action == "seats.purchased" {
		invoice = inv
	}
	if invoice != "" {
		row.Invoice = invoice
		if canInvoices {
			row.InvoiceURL = "/orgs/" + slug + "/settings/billing/invoices/" + url.PathEscape(invoice)
		}
	}
	return row
}

// actionLabel names an action; an action without words shows as it is.
func actionLabel(loc *locales.Locale, action string) string {
	key := "audit.action." + strings.ReplaceAll(action, ".", "_")
	if s := loc.T(key, nil); !strings.HasPrefix(s, locales.MissingMarker) {
		return s
	}
	return action
}

// fieldLabel names a before/after field.
func fieldLabel(loc *locales.Locale, k string) string {
	key := "audit.field." + k
	if s := loc.T(key, nil); !strings.HasPrefix(s, locales.MissingMarker) {
		return s
	}
	return k
}

// subjectOf names what a change is about when it is nobody in particular.
func subjectOf(loc *locales.Locale, subjectType string, before, after map[string]any) string {
	for _, m := range []map[string]any{after, before} {
		for _, k := range []string{"member", "email", "name", "display_name", "primary_owner", "slug", "issuer"} {
			if v, ok := m[k].(string); ok && v != "" {
				return v
			}
		}
		if v, ok := m["seat_type"].(string); ok && v != "" {
			return loc.T("seat.type."+v, nil)
		}
	}
	return loc.T("audit.subject."+subjectType, nil)
}

// valueWords is one field's value in words: seat types, roles and statuses
// by name, Unassigned for no seat, dates, money, yes and no.
func valueWords(loc *locales.Locale, subjectType, k string, m map[string]any, currency string) string {
	if m == nil {
		return "—"
	}
	v, ok := m[k]
	if !ok {
		return "—"
	}
	switch k {
	case "seat_type":
		if v == nil {
			return loc.T("seat.unassigned", nil)
		}
		if s, ok := v.(string); ok {
			return loc.SeatType(s)
		}
	case "role":
		if s, ok := v.(string); ok {
			return loc.T("role."+s, nil)
		}
	case "status":
		if s, ok := v.(string); ok {
			if subjectType == "invitation" {
				return loc.T("audit.invitation_status."+s, nil)
			}
			return loc.T("status."+s, nil)
		}
	case "amount_minor", "cap_minor":
		if n, ok := v.(float64); ok && currency != "" {
			return loc.Money(int64(n), currency)
		}
	}
	switch x := v.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return loc.T("audit.yes", nil)
		}
		return loc.T("audit.no", nil)
	case float64:
		return loc.Number(int64(x))
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return loc.Date(t)
		}
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			parts = append(parts, fmt.Sprint(p))
		}
		if len(parts) == 0 {
			return "—"
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// ledgerRows is Billing's seat ledger.
func (s *Server) ledgerRows(r *http.Request, actor models.Actor) ([]templates.LedgerRow, error) {
	entries, err := models.SeatLedger(r.Context(), s.DB, actor)
	if err != nil {
		return nil, err
	}
	out := make([]templates.LedgerRow, 0, len(entries))
	for _, e := range entries {
		out = append(out, templates.LedgerRow{At: e.At, SeatType: e.SeatTypeKey, Subscription: e.Kind == models.LineSubscription,
			Change: e.Change, Purchased: e.Purchased, Invoice: e.Invoice, AmountMinor: e.AmountMinor, By: e.By,
			InvoiceURL: "/orgs/" + actor.Org.Slug + "/settings/billing/invoices/" + url.PathEscape(e.Invoice)})
	}
	return out, nil
}

// ledgerCSVHeader is the seat ledger's CSV columns, documented in the README.
var ledgerCSVHeader = []string{"date", "seat_type", "kind", "change", "purchased_after", "invoice", "amount_minor", "currency", "by"}

// LedgerCSV is the seat ledger as CSV.
func (s *Server) LedgerCSV(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	entries, err := models.SeatLedger(r.Context(), s.DB, actor)
	if err != nil {
		return err
	}
	out, err := startCSV(w, "seat-ledger-"+actor.Org.Slug+".csv", ledgerCSVHeader)
	if err != nil {
		return err
	}
	for _, e := range entries {
		err := out.Row([]string{e.At.UTC().Format("2006-01-02"), e.SeatTypeKey, string(e.Kind), strconv.Itoa(e.Change),
			strconv.Itoa(e.Purchased), e.Invoice, strconv.FormatInt(e.AmountMinor, 10), e.Currency, e.By})
		if err != nil {
			return err
		}
	}
	return out.Close()
}
